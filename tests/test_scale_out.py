"""Scale-out (issue 18 item 6): two of each bridge process against one Neon database and a two-worker Odoo.

``python -m bridge serve --workers 2`` (two web processes behind one port), two ``media-worker``, two
``dispatch-events`` and two ``sync`` runners run as real subprocesses at once, against one local Postgres
database (the "Neon" store) and a real Odoo 19 in prefork mode (``odoo-bin --workers 2``, serving the
shared test database). Customers write on WhatsApp through signed webhooks (the real twilio validator),
some messages redelivered after the answer and some twice at the same time; their photos come from the
local Twilio stand-in; events go to a local receiver. Then the counts: every inbound message processed
once, every media job done once, every case in Odoo once (natural key: the Neon id), every event delivered
once per id and in order per case, every outbound WhatsApp message sent once. Skipped only without a real
Odoo (failed when REQUIRE_ODOO=1). The throughput comparison with one of each is bench/bench_scale.py.
"""

from __future__ import annotations

import pytest

from . import scale_scenario
from .odoo_server import drop_db, fresh_neon_db, real_backend, start_workers_odoo

CUSTOMERS = 24


@pytest.fixture(scope="module")
def odoo():
    backend = real_backend()
    workers = start_workers_odoo(backend.server, workers=2)
    yield backend, workers
    workers.stop()


@pytest.fixture
def neon():
    url = fresh_neon_db()
    yield url
    drop_db(url)


def test_two_of_each_process_everything_exactly_once(odoo, neon, tmp_path):
    backend, workers = odoo
    result = scale_scenario.run_scenario(
        2, database_url=neon, odoo_url=workers.url, odoo_db=backend.db, bridge_key=backend.key,
        staff_key=backend.server.staff_key, workdir=tmp_path, customers=CUSTOMERS, concurrency=12,
        redeliver=0.15, concurrent_redeliver=0.15, media_latency_s=0.05, receiver_latency_s=0.01, timeout=600,
    )
    load, audit = result.load, result.audit
    print(f"two of each: {len(load.contacts)} conversations in {result.settle_s:.1f} s, {load.posts} webhooks, "
          f"load average {result.loadavg_before} -> {result.loadavg_after}; {audit}")
    assert audit.problems() == []

    # The scenario really had two of each and the duplicates it claims.
    assert result.web_pids == 2
    assert len(load.contacts) == CUSTOMERS
    assert load.redelivered > 0 and load.concurrent > 0, load
    assert load.posts == len(load.sids) + load.redelivered + load.concurrent
    assert load.duplicate_answers >= load.redelivered + load.concurrent  # each extra copy answered empty

    # Nothing lost, nothing twice.
    assert audit.inbound == len(load.sids)
    assert audit.jobs == load.media == CUSTOMERS * scale_scenario.PHOTOS
    assert audit.attachments == load.media
    assert audit.cases >= CUSTOMERS and audit.odoo_cases == audit.cases
    assert audit.odoo_events > 0 and audit.events >= audit.odoo_events + load.media  # Odoo's + media_processed
    assert audit.deliveries == audit.events
    assert audit.messages_sent == audit.outbox_sent > 0
