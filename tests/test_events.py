"""Event feed and webhook delivery: signing (checked with the Standard Webhooks reference
implementation), schemas, retry schedule on an injected clock, 410, dead letters, per-case order
under a flaky receiver, Odoo outbox exactly once, delivery state reported back to Odoo."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from standardwebhooks.webhooks import Webhook

from bridge.cloudevents import insert_event, make_event
from bridge.config import Settings
from bridge.events import policy, store
from bridge.events.dispatch import Dispatcher
from bridge.events.schemas import SCHEMAS_DIR, known_types, validate_event
from bridge.events.signing import SecretError, secret_key, sign, verify
from bridge.odoo import OdooClient
from bridge.sync.pool import worker_pool

from .odoo_server import REPO, FakeBackend, drop_db, fresh_neon_db
from .receiver import Receiver

RAW_KEY = b"0123456789abcdef0123456789abcdef"
WHSEC = "whsec_" + base64.b64encode(RAW_KEY).decode()
T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # pure-policy tests only: nothing compares it with the database


def db_now(url: str) -> datetime:
    """The database's clock: events are stamped with ``now()``, so a test clock starts from it."""
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT now()").fetchone()[0]


class Clock:
    """An injected clock that starts at the database's ``now()`` (taken after the test's events are
    stored) and only moves when the test advances it."""

    def __init__(self, start: datetime) -> None:
        self.start = self.now = start

    @classmethod
    def from_db(cls, url: str) -> Clock:
        return cls(db_now(url))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def neon():
    url = fresh_neon_db()
    yield url
    drop_db(url)


@pytest.fixture
def receiver():
    rec = Receiver().start()
    yield rec
    rec.stop()


@pytest.fixture
def pool(neon):
    p = worker_pool(neon, name="events-test", max_size=3)
    yield p
    p.close()


def dispatcher_for(pool, receiver, *, clock=None, secret=WHSEC, odoo=None, **kw) -> Dispatcher:
    settings = Settings(database_url="postgresql://x/y", event_webhook_url=receiver.url, event_webhook_secret=secret)
    if clock is None:
        with pool.connection() as conn:
            clock = Clock(conn.cursor(row_factory=psycopg.rows.tuple_row).execute("SELECT now()").fetchone()[0])
    return Dispatcher(pool, settings, clock=clock, odoo=odoo, **kw)


def add_event(url: str, type_: str = "media_processed", case: int | None = 1, data: dict | None = None) -> str:
    data = data if data is not None else {"case_id": case or 1, "sha256": "a" * 64, "content_type": "image/jpeg",
                                          "size_bytes": 10}
    event = make_event(type_, data, subject=f"case/{case}" if case else None)
    with psycopg.connect(url) as conn:
        assert insert_event(conn, event)
    return event["id"]


def delivery(url: str, event_id: str) -> dict:
    with psycopg.connect(url, row_factory=psycopg.rows.dict_row) as conn:
        return conn.execute("SELECT * FROM event_deliveries WHERE event_id = %s", (event_id,)).fetchone()


# ----- pure parts ---------------------------------------------------------------------------------

def test_secret_forms_and_signature_match_the_reference_implementation():
    body, msg_id, ts = b'{"a":1}', "0b3c7a1e-0000-4000-8000-000000000000", 1_764_158_400
    assert secret_key(WHSEC) == RAW_KEY
    assert secret_key("plain-secret") == b"plain-secret"
    with pytest.raises(SecretError):
        secret_key("whsec_%%%not-base64")
    with pytest.raises(SecretError):
        secret_key("")
    reference = Webhook(WHSEC).sign(msg_id, datetime.fromtimestamp(ts, UTC), body.decode())
    assert sign(RAW_KEY, msg_id, ts, body) == reference
    # A raw secret is keyed with its UTF-8 bytes: the reference verifies it given those bytes.
    raw = sign(b"plain-secret", msg_id, ts, body)
    assert raw == Webhook(b"plain-secret").sign(msg_id, datetime.fromtimestamp(ts, UTC), body.decode())
    headers = {"webhook-id": msg_id, "webhook-timestamp": str(ts), "webhook-signature": raw}
    assert verify(b"plain-secret", headers, body) and not verify(b"other", headers, body)


def test_retry_schedule_spans_hours_then_dead():
    delays = [policy.next_retry(n, T0) - T0 for n in range(1, policy.MAX_ATTEMPTS)]
    assert delays == sorted(delays) and delays[0] == timedelta(seconds=5)
    assert sum(delays, timedelta()) > timedelta(hours=24)
    assert policy.next_retry(policy.MAX_ATTEMPTS, T0) is None
    assert policy.classify(204, 1, T0).state == "delivered"
    assert policy.classify(500, 1, T0).next_attempt_at == T0 + timedelta(seconds=5)
    assert policy.classify(None, 2, T0).state == "failed"
    assert policy.classify(410, 3, T0).kind == policy.GONE
    assert policy.classify(400, policy.MAX_ATTEMPTS, T0).state == "dead"


def test_outbox_cursor_keeps_holes_until_filled_or_expired():
    c = policy.advance_outbox(policy.OutboxCursor(), [1, 2, 4, 5], T0)
    assert c.after_id == 5 and [h for h, _ in c.holes] == [3] and c.pull_from() == 2
    c = policy.advance_outbox(c, [3, 4, 5, 6], T0 + timedelta(minutes=1))
    assert c.after_id == 6 and c.holes == () and c.pull_from() == 6
    c = policy.advance_outbox(c, [8], T0)
    assert c.pull_from() == 6
    assert policy.advance_outbox(c, [8], T0 + timedelta(hours=1)).pull_from() == 8  # rolled back, given up
    assert policy.OutboxCursor.from_json(c.to_json()) == c


def test_every_shipped_event_schema_is_valid_and_its_examples_pass():
    types = known_types()
    assert "media_processed" in types
    import json

    from jsonschema import Draft202012Validator

    for type_ in types:
        schema = json.loads((SCHEMAS_DIR / f"{type_}.json").read_text())
        Draft202012Validator.check_schema(schema)
        assert schema["properties"]["type"] == {"const": type_}
        for example in schema.get("examples", []):
            assert validate_event(example) == [], type_


def test_media_processed_as_the_media_worker_emits_it_validates_and_bad_ones_do_not():
    good = make_event("media_processed", {"case_id": 7, "contact_id": "whatsapp:+5215512345678", "attachment_id": 3,
                                          "sha256": "b" * 64, "content_type": "image/jpeg", "size_bytes": 10,
                                          "evidence_kind": None, "message_sid": "MM1", "duplicate": False},
                      subject="case/7")
    assert validate_event(good) == []
    bad = dict(good, data={"case_id": 7, "content_type": "image/jpeg", "size_bytes": -1})
    problems = validate_event(bad)
    assert any("sha256" in p for p in problems) and any("size_bytes" in p for p in problems)
    assert validate_event(dict(good, id="not-a-uuid"))
    assert validate_event(make_event("type.without.schema", {"x": 1})) == []


# ----- delivery over real HTTP -------------------------------------------------------------------

def test_signed_delivery_verifies_with_standardwebhooks(neon, pool, receiver):
    for secret in (WHSEC, "raw secret, not base64!"):
        ref = Webhook(secret.encode() if not secret.startswith("whsec_") else secret)
        receiver.verifier = lambda body, headers, ref=ref: ref.verify(body, headers)
        event_id = add_event(neon)
        d = dispatcher_for(pool, receiver, clock=lambda: datetime.now(UTC), secret=secret)
        try:
            assert d.run_once()["delivered"] == 1
        finally:
            d.close()
        assert receiver.verify_errors == []
        last = receiver.requests[-1]
        assert last["headers"]["webhook-id"] == event_id
        assert last["event"]["id"] == event_id and last["event"]["type"] == "media_processed"
        assert delivery(neon, event_id)["state"] == "delivered"


def test_500_is_retried_on_the_schedule_with_an_injected_clock(neon, pool, receiver):
    receiver.script = [500, 503]
    event_id = add_event(neon)
    clock = Clock.from_db(neon)
    d = dispatcher_for(pool, receiver, clock=clock)
    try:
        assert d.run_once()["failed"] == 1
        assert delivery(neon, event_id)["next_attempt_at"] == clock.start + timedelta(seconds=5)
        assert d.run_once()["attempted"] == 0  # not due yet: nothing is sent
        clock.advance(seconds=5)
        assert d.run_once()["failed"] == 1
        assert delivery(neon, event_id)["next_attempt_at"] == clock.start + timedelta(seconds=5, minutes=5)
        clock.advance(minutes=4, seconds=59)
        assert d.run_once()["attempted"] == 0
        clock.advance(seconds=1)
        assert d.run_once()["delivered"] == 1
    finally:
        d.close()
    row = delivery(neon, event_id)
    assert row["state"] == "delivered" and row["attempts"] == 3
    assert [r["status"] for r in receiver.requests] == [500, 503, 200]
    assert {r["headers"]["webhook-id"] for r in receiver.requests} == {event_id}  # same id: receivers dedupe
    with psycopg.connect(neon) as conn:
        assert conn.execute("SELECT count(*) FROM event_delivery_attempts WHERE event_id = %s",
                            (event_id,)).fetchone()[0] == 3


def test_410_disables_the_endpoint_until_re_enabled(neon, pool, receiver):
    first, second = add_event(neon, case=1), add_event(neon, case=2)
    receiver.script = [410]
    clock = Clock.from_db(neon)
    d = dispatcher_for(pool, receiver, clock=clock, concurrency=1, batch=1)
    try:
        d.run_once()
        with psycopg.connect(neon, row_factory=psycopg.rows.dict_row) as conn:
            assert store.endpoint_disabled(conn, receiver.url)
        assert delivery(neon, first)["state"] == "pending" and delivery(neon, first)["attempts"] == 0
        clock.advance(hours=1)
        sent = len(receiver.requests)
        assert d.run_once()["attempted"] == 0 and len(receiver.requests) == sent
        d.enable_endpoint()
        assert d.run_once()["delivered"] == 2
    finally:
        d.close()
    assert delivery(neon, second)["state"] == "delivered"


def test_dead_letter_blocks_nothing_after_it_dies_and_can_be_redelivered(neon, pool, receiver):
    doomed = add_event(neon, case=5)
    later = add_event(neon, case=5)
    receiver.fail_when = lambda env: 500 if env["id"] == doomed else None
    clock = Clock.from_db(neon)
    d = dispatcher_for(pool, receiver, clock=clock)
    try:
        for _ in range(policy.MAX_ATTEMPTS):
            d.run_once()
            sent = {r["event"]["id"] for r in receiver.requests}
            assert later not in sent or delivery(neon, doomed)["state"] == "dead"
            clock.advance(hours=11)
        assert delivery(neon, doomed)["state"] == "dead"
        assert delivery(neon, doomed)["attempts"] == policy.MAX_ATTEMPTS
        d.run_once()
        assert delivery(neon, later)["state"] == "delivered"
        receiver.fail_when = None
        with psycopg.connect(neon, row_factory=psycopg.rows.dict_row) as conn:
            assert store.redeliver(conn, doomed, clock())["state"] == "pending"
        d.run_once()
    finally:
        d.close()
    assert delivery(neon, doomed)["state"] == "delivered"


def test_flaky_receiver_loses_nothing_and_keeps_per_case_order(neon, pool, receiver):
    receiver.fail_ratio, receiver.seed = 0.3, 20261126
    receiver.max_failures_per_event = policy.MAX_ATTEMPTS - 1  # dead letters are tested on their own
    expected: dict[str | None, list[str]] = defaultdict(list)
    for i in range(240):
        case = (i % 24) + 1 if i % 10 else None
        expected[f"case/{case}" if case else None].append(add_event(neon, case=case))
    clock = Clock.from_db(neon)
    d = dispatcher_for(pool, receiver, clock=clock, concurrency=8, batch=50)
    try:
        for _ in range(200):
            d.run_once()
            with psycopg.connect(neon) as conn:
                open_ = conn.execute("SELECT count(*) FROM event_deliveries WHERE state <> 'delivered'").fetchone()[0]
            if not open_:
                break
            clock.advance(hours=11)
    finally:
        d.close()
    assert open_ == 0
    failures = sum(r["status"] >= 300 for r in receiver.requests)
    assert failures > 30  # the receiver really failed ~30% of the time
    accepted = [e["id"] for e in receiver.accepted]
    assert sorted(set(accepted)) == sorted(i for ids in expected.values() for i in ids)  # nothing lost
    for key, ids in expected.items():
        if key is None:
            continue
        order = [e["id"] for e in receiver.accepted if e["subject"] == key]
        assert order == ids, f"{key} delivered out of order"
        # Stronger: no event of a case was even attempted before its predecessor was accepted.
        accepted_so_far: set[str] = set()
        for r in receiver.requests:
            if r["event"]["subject"] != key:
                continue
            position = ids.index(r["event"]["id"])
            assert set(ids[:position]) <= accepted_so_far
            if r["status"] < 300:
                accepted_so_far.add(r["event"]["id"])


def test_invalid_event_is_a_dead_letter_without_being_sent(neon, pool, receiver):
    bad = add_event(neon, data={"case_id": 1})
    d = dispatcher_for(pool, receiver)
    try:
        d.run_once()
    finally:
        d.close()
    row = delivery(neon, bad)
    assert row["state"] == "dead" and "invalid event" in row["last_error"] and "sha256" in row["last_error"]
    assert receiver.requests == []



def test_odoo_outbox_is_stored_once_delivered_and_reported_back(backend, neon, pool, receiver):
    from .test_sync import add_cases, sync_once

    ids = add_cases(neon, 2)
    assert sync_once(backend.settings(neon)) == 0
    backend.decide(ids[0])
    odoo = OdooClient(backend.settings(neon), retries=1)
    d = dispatcher_for(pool, receiver, clock=lambda: datetime.now(UTC), odoo=odoo)
    try:
        first = d.pull_outbox()
        assert first >= 1
        assert d.pull_outbox() == 0  # re-pulling is harmless
        summary = d.run_once()
    finally:
        d.close()
        odoo.close()
    with psycopg.connect(neon, row_factory=psycopg.rows.dict_row) as conn:
        rows = conn.execute("SELECT e.id::text AS id, e.type, e.subject, d.state FROM events e JOIN event_deliveries d "
                            "ON d.event_id = e.id WHERE e.odoo_outbox_id IS NOT NULL").fetchall()
    decided = [r for r in rows if r["type"] == "warranty.decided" and r["subject"] == f"case/{ids[0]}"]
    assert decided and all(r["state"] == "delivered" for r in rows), rows
    assert len({r["id"] for r in rows}) == len(rows) == first
    assert summary["reported"] >= len(rows)
    assert set(backend.event_states([r["id"] for r in rows]).values()) == {"delivered"}


def test_fake_odoo_outbox_late_commit_hole_is_pulled_later(neon, pool, receiver):
    fake = FakeBackend()
    try:
        for n in range(1, 5):
            fake.fake.emit("service.due", n, {"case": f"PV/{n}"})
        hidden = fake.fake.outbox.pop(2)  # id 3 commits late
        odoo = OdooClient(fake.settings(neon), retries=0)
        d = dispatcher_for(pool, receiver, odoo=odoo)
        try:
            assert d.pull_outbox() == 3
            fake.fake.outbox.insert(2, hidden)
            assert d.pull_outbox() == 1
            assert d.pull_outbox() == 0
        finally:
            d.close()
            odoo.close()
    finally:
        fake.close()


def test_cli_dispatch_once_delivers_signed_events(neon, receiver):
    receiver.verifier = lambda body, headers: Webhook(WHSEC).verify(body, headers)
    event_id = add_event(neon, case=3)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ODOO_", "EVENT_WEBHOOK"))}
    env.update(DATABASE_URL=neon, EVENT_WEBHOOK_URL=receiver.url, EVENT_WEBHOOK_SECRET=WHSEC, PYTHONPATH=str(REPO))
    proc = subprocess.run([sys.executable, "-m", "bridge", "dispatch-events", "--once"], env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "delivered 1" in proc.stderr and WHSEC not in proc.stderr
    assert receiver.verify_errors == [] and receiver.accepted[0]["id"] == event_id
    assert uuid.UUID(receiver.requests[0]["headers"]["webhook-id"])


def test_two_dispatchers_share_the_work_without_double_sends_or_reordering(neon, receiver):
    import threading

    expected: dict[str, list[str]] = defaultdict(list)
    for i in range(120):
        expected[f"case/{i % 10 + 1}"].append(add_event(neon, case=i % 10 + 1))
    pools = [worker_pool(neon, name=f"events-{n}", max_size=2) for n in range(2)]
    dispatchers = [dispatcher_for(p, receiver, clock=lambda: datetime.now(UTC), batch=7) for p in pools]
    try:
        threads = [threading.Thread(target=d.run_once) for d in dispatchers for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        dispatchers[0].run_once()
    finally:
        for d in dispatchers:
            d.close()
        for p in pools:
            p.close()
    ids = [r["event"]["id"] for r in receiver.requests]
    assert len(ids) == len(set(ids)) == 120  # every event once: leases keep dispatchers apart
    by_key: dict[str, list[str]] = defaultdict(list)
    for r in receiver.requests:
        by_key[r["event"]["subject"]].append(r["event"]["id"])
    assert by_key == expected  # per case, in the order the events were stored


def test_odoo_down_does_not_stop_delivery_of_the_bridges_own_events(neon, pool, receiver):
    from .odoo_server import free_port

    event_id = add_event(neon, case=9)
    down = Settings(odoo_url=f"http://127.0.0.1:{free_port()}", odoo_db="x", odoo_api_key="k" * 20)
    odoo = OdooClient(down, retries=0)
    d = dispatcher_for(pool, receiver, odoo=odoo)
    try:
        summary = d.run_once()
    finally:
        d.close()
        odoo.close()
    assert summary["delivered"] == 1 and "unreachable" in summary["odoo_error"]
    assert "k" * 20 not in summary["odoo_error"]
    assert delivery(neon, event_id)["state"] == "delivered"


def test_concurrent_dispatchers_with_a_failing_receiver_deliver_once_in_order(neon, receiver):
    """Two pipelined dispatchers (own pools, so own database sessions) run at the same time, round after
    round, against a receiver failing ~30 % of attempts: every event is accepted exactly once, each case's
    events in the order they were stored, and no event is attempted before its predecessor was accepted."""
    import threading

    receiver.fail_ratio, receiver.seed = 0.3, 20261202
    receiver.max_failures_per_event = policy.MAX_ATTEMPTS - 1
    expected: dict[str | None, list[str]] = defaultdict(list)
    for i in range(300):
        case = (i % 15) + 1 if i % 7 else None
        expected[f"case/{case}" if case else None].append(add_event(neon, case=case))
    clock = Clock.from_db(neon)
    pools = [worker_pool(neon, name=f"events-{n}", max_size=3) for n in range(2)]
    dispatchers = [dispatcher_for(p, receiver, clock=clock, concurrency=6, batch=20) for p in pools]
    try:
        for _ in range(100):
            threads = [threading.Thread(target=d.run_once) for d in dispatchers]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            with psycopg.connect(neon) as conn:
                open_ = conn.execute("SELECT count(*) FROM event_deliveries WHERE state <> 'delivered'").fetchone()[0]
            if not open_:
                break
            clock.advance(hours=11)
    finally:
        for d in dispatchers:
            d.close()
        for p in pools:
            p.close()
    assert open_ == 0
    assert sum(r["status"] >= 300 for r in receiver.requests) > 30
    accepted = [e["id"] for e in receiver.accepted]
    assert len(accepted) == len(set(accepted)) == 300  # exactly one accepted delivery per webhook-id
    for key, ids in expected.items():
        if key is None:
            continue
        assert [e["id"] for e in receiver.accepted if e["subject"] == key] == ids, f"{key} out of order"
        accepted_so_far: set[str] = set()
        for r in receiver.requests:
            if r["event"]["subject"] == key:
                assert set(ids[:ids.index(r["event"]["id"])]) <= accepted_so_far
                if r["status"] < 300:
                    accepted_so_far.add(r["event"]["id"])
