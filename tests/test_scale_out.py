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

import threading

import psycopg
import pytest

from bridge.events.dispatch import Dispatcher
from bridge.odoo import OdooClient
from bridge.sync import run_pass
from bridge.sync.pool import worker_pool
from bridge.sync.push import PUSH_LOCK_CLASS, push_cases
from bridge.sync.state import take_turn

from . import scale_scenario
from .odoo_server import FakeBackend, drop_db, fresh_neon_db, real_backend, start_workers_odoo

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


# ----- regression: two sync runners pushed the same cases (found by the scenario above) ------------------

def _add_cases(url: str, n: int) -> list[int]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            """INSERT INTO cases (contact_id, customer_name, plate, odo_km, falla_tipo, description)
               SELECT 'whatsapp:+5215511' || lpad(g::text, 6, '0'), 'Cliente ' || g, 'SCL-' || g, 1000 + g,
                      'FRN-001', 'rechinan los frenos ' || g
                 FROM generate_series(1, %s) g RETURNING id""", (n,)).fetchall()
    return sorted(r[0] for r in rows)


@pytest.fixture
def fake_odoo():
    backend = FakeBackend()
    yield backend
    backend.close()


def test_two_sync_runners_push_each_case_once(fake_odoo, neon, tmp_path):
    """Before the push locks both runners read the same dirty cases and pushed them all: Odoo did the work
    twice, and a concurrent create of one Neon id failed on Odoo's unique key and came back as a rejection of
    the record. Now a runner pushes only the cases whose advisory lock it holds."""
    ids = _add_cases(neon, 40)
    fake_odoo.fake.latency = 0.3  # the first runner's call is still in Odoo when the second one reads
    settings = fake_odoo.settings(neon, media_dir=str(tmp_path))
    results, start = [], threading.Barrier(2)

    def runner() -> None:
        pool = worker_pool(neon, name="sync-test")
        try:
            with OdooClient(settings, retries=0) as odoo:
                start.wait()
                results.append(push_cases(pool, odoo, media_dir=str(tmp_path)))
        finally:
            pool.close()

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sum(r.pushed for r in results) == len(ids), results
    assert sum(r.errors for r in results) == 0
    assert fake_odoo.fake.calls.get("bridge_upsert_cases") == 1
    assert sorted(fake_odoo.cases(ids)) == ids


def test_a_case_another_runner_is_pushing_waits_for_it_and_not_for_a_dead_one(fake_odoo, neon, tmp_path):
    ids = _add_cases(neon, 3)
    other = psycopg.connect(neon)  # another runner, in the middle of pushing the first case
    other.execute("SELECT pg_advisory_xact_lock(%s, %s)", (PUSH_LOCK_CLASS, ids[0]))
    pool = worker_pool(neon, name="sync-test")
    try:
        with OdooClient(fake_odoo.settings(neon), retries=0) as odoo:
            first = push_cases(pool, odoo, media_dir=str(tmp_path))
            assert (first.pushed, sorted(fake_odoo.cases(ids))) == (2, ids[1:])
            other.close()  # that runner died: its connection, and with it the lock, is gone at once
            second = push_cases(pool, odoo, media_dir=str(tmp_path))
    finally:
        pool.close()
    assert second.pushed == 1 and sorted(fake_odoo.cases(ids)) == ids


# ----- shared Odoo reads: N copies of a worker read Odoo as often as one (turns) -----------------------

def test_one_caller_per_window_takes_a_turn_even_at_the_same_moment(neon):
    start, won = threading.Barrier(4), []

    def caller() -> None:
        with psycopg.connect(neon, autocommit=True) as conn:
            start.wait()
            won.append(take_turn(conn, "sync.pull", 3600))

    threads = [threading.Thread(target=caller) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(won) == [False, False, False, True]
    with psycopg.connect(neon, autocommit=True) as conn:
        assert take_turn(conn, "sync.pull", 3600) is False
        assert take_turn(conn, "events.pull", 3600) is True  # another job has its own turn
        # The window has passed (moved back in the database, not by waiting): the next caller gets it.
        conn.execute("UPDATE bridge_state SET updated_at = updated_at - interval '2 hours' "
                     "WHERE key = 'turn:sync.pull'")
        assert take_turn(conn, "sync.pull", 3600) is True
        assert take_turn(conn, "sync.pull", 0) is True  # no window: every call


def test_a_sync_runner_without_the_turn_pushes_but_does_not_read_odoo_for_everyone(fake_odoo, neon, tmp_path):
    """Two of each cost Odoo 31 % more CPU per conversation than one of each (bench_scale): every sync runner
    read the catalog, Odoo's changes and staff replies each pass, and every dispatcher pulled the outbox."""
    ids = _add_cases(neon, 3)
    settings = fake_odoo.settings(neon, media_dir=str(tmp_path))
    pool = worker_pool(neon, name="sync-test")
    try:
        with OdooClient(settings, retries=0) as odoo:
            counts = run_pass(pool, odoo, settings, shared_reads=False)
            assert counts["push"]["pushed"] == 3 and sorted(fake_odoo.cases(ids)) == ids
            assert counts["faults"] == 0 and counts["pull"]["read"] == 0
            reads = ("bridge_catalog", "bridge_changes")  # (this fake Odoo has no WhatsApp chatter methods)
            assert {m: fake_odoo.fake.calls.get(m, 0) for m in reads} == dict.fromkeys(reads, 0)
            counts = run_pass(pool, odoo, settings)  # the runner whose turn it is reads for everyone
            assert counts["faults"] > 0
            assert all(fake_odoo.fake.calls.get(m, 0) >= 1 for m in reads), fake_odoo.fake.calls
    finally:
        pool.close()


def test_of_two_dispatchers_one_pulls_odoos_outbox_per_interval(fake_odoo, neon):
    settings = fake_odoo.settings(neon)
    pools = [worker_pool(neon, name="events-test") for _ in range(2)]
    try:
        with OdooClient(settings, retries=0) as odoo:
            first, second = (Dispatcher(pool, settings, odoo=odoo) for pool in pools)
            assert (first.my_turn(3600), second.my_turn(3600)) == (True, False)
            second.run_once(pull=False)
            assert fake_odoo.fake.calls.get("bridge_pull", 0) == 0
            first.run_once(pull=True)
            assert fake_odoo.fake.calls.get("bridge_pull", 0) == 1
            first.close()
            second.close()
    finally:
        for pool in pools:
            pool.close()


# ----- regression: the Spanish stemmer shared by the web app's threads (found by the scenario above) -----

def test_stemming_from_many_threads_at_once_gives_the_serial_answers():
    """A webhook answered 500 under two-of-each load: the fault matcher stems from the web app's thread pool
    and the one Snowball stemmer of the process was not thread-safe (IndexError inside it)."""
    import snowballstemmer

    from bridge.rag import analyzer

    words = [f"{stem}{suffix}{i}" for i in range(300) for stem in ("frenad", "alternador", "bater", "encend")
             for suffix in ("amientos", "aciones", "ísimas", "mente", "ando")]
    serial = snowballstemmer.stemmer("spanish")
    expected = [serial.stemWord(w) for w in words]
    failures, results = [], {}
    start = threading.Barrier(8)

    def work(k: int) -> None:
        start.wait()
        try:
            results[k] = [analyzer.stem.__wrapped__(w) for w in words]  # past the cache: the stemmer itself
        except Exception as exc:  # noqa: BLE001 - the failure being tested for
            failures.append(repr(exc))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert failures == []
    assert all(results[k] == expected for k in range(8))
