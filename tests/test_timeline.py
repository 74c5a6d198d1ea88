"""One trace per case: W3C traceparent on JSON-2 calls and on every event, and the case timeline
(``GET /admin/cases/{id}/timeline``) over a real Neon database."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg
import pytest
from fastapi.testclient import TestClient

from bridge import tracing
from bridge.app import create_app
from bridge.cloudevents import insert_event, make_event
from bridge.config import Settings
from bridge.events import store
from bridge.events.schemas import validate_event
from bridge.odoo import OdooClient
from tests.addon_modules import load

from .odoo_server import drop_db, fresh_neon_db

KEY = "admin-key-for-tests-0123456789"
AUTH = {"Authorization": f"Bearer {KEY}"}
odoo_trace = load("postventa/engine/trace.py", "postventa_engine_trace")


def test_trace_ids_are_the_same_in_the_bridge_and_in_odoo():
    for neon_id in (1, 7, 990_001, 2**40):
        assert tracing.case_trace_id(neon_id) == odoo_trace.case_trace_id(neon_id)
        assert len(tracing.case_trace_id(neon_id)) == 32
    assert tracing.case_trace_id(1) != tracing.case_trace_id(2)
    header = odoo_trace.traceparent(tracing.case_trace_id(5))
    assert tracing.parse_traceparent(header)[0] == tracing.case_trace_id(5)


def test_traceparent_format_and_parsing():
    header = tracing.traceparent(tracing.case_trace_id(3))
    trace_id, span_id = tracing.parse_traceparent(header)
    assert (trace_id, len(span_id)) == (tracing.case_trace_id(3), 16)
    assert tracing.traceparent() != tracing.traceparent()
    for bad in (None, "", "00-abc-def-01", "00-" + "0" * 32 + "-" + "1" * 16 + "-01",
                "00-" + "1" * 32 + "-" + "0" * 16 + "-01", "zz-" + "1" * 32 + "-" + "1" * 16 + "-01"):
        assert tracing.parse_traceparent(bad) is None
    assert tracing.subject_trace_id("case/42") == tracing.case_trace_id(42)
    assert tracing.subject_trace_id("vehicle/JTD") is None


def test_every_event_carries_the_case_trace_and_stays_valid():
    event = make_event("media_processed", {"case_id": 7, "contact_id": "whatsapp:+5215512345678",
                                           "attachment_id": 3, "sha256": "a" * 64, "content_type": "image/jpeg",
                                           "size_bytes": 10, "evidence_kind": "odometer_photo"},
                       subject="case/7")
    assert tracing.parse_traceparent(event["traceparent"])[0] == tracing.case_trace_id(7)
    assert validate_event(event) == []
    with tracing.case_context(9):
        assert tracing.parse_traceparent(make_event("x.y", {})["traceparent"])[0] == tracing.case_trace_id(9)
    assert tracing.parse_traceparent(make_event("x.y", {})["traceparent"])  # no case: a trace of its own
    bad = dict(event, traceparent="not-a-traceparent")
    assert validate_event(bad)  # the schemas describe the extension


class _Recorder(BaseHTTPRequestHandler):
    seen: list[dict] = []
    fail_first = 0

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).seen.append(dict(self.headers))
        if type(self).fail_first:
            type(self).fail_first -= 1
            self.send_response(503)
            self.end_headers()
            return
        body = json.dumps({"ok": True}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def recorder():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    _Recorder.seen, _Recorder.fail_first = [], 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_json2_calls_send_traceparent(recorder):
    settings = Settings(odoo_url=recorder, odoo_db="x", odoo_api_key="k" * 20)
    with OdooClient(settings, retries=2, sleep=lambda s: None) as odoo:
        with tracing.case_context(990_001):
            _Recorder.fail_first = 1
            assert odoo.call("postventa.case", "bridge_case_timeline", neon_id=990_001) == {"ok": True}
        odoo.call("res.users", "context_get")
    first, retry, other = (tracing.parse_traceparent(h.get("traceparent")) for h in _Recorder.seen)
    assert first == retry, "one span per call, kept across its retries"
    assert first[0] == tracing.case_trace_id(990_001)
    assert other and other[0] != first[0]


@pytest.fixture(scope="module")
def neon():
    url = fresh_neon_db()
    yield url
    drop_db(url)


def _seed_case(conn: psycopg.Connection) -> int:
    t0 = datetime.now(UTC) - timedelta(hours=2)
    contact = "whatsapp:+5215519990077"
    conn.execute("INSERT INTO wa_inbound (message_sid, contact_id, body, reply, received_at) VALUES "
                 "('SM1', %s, 'Hola', '¿Me compartes tu VIN?', %s)", (contact, t0))
    case_id = conn.execute(
        "INSERT INTO cases (contact_id, vin, odo_km, falla_tipo, created_at) VALUES (%s, 'JTD', 26800, 'ELE-002', %s) "
        "RETURNING id", (contact, t0 + timedelta(minutes=1))).fetchone()[0]
    conn.execute("INSERT INTO wa_inbound (message_sid, contact_id, body, num_media, case_id, received_at) VALUES "
                 "('SM2', %s, '', 1, %s, %s)", (contact, case_id, t0 + timedelta(minutes=2)))
    conn.execute("INSERT INTO wa_jobs (kind, dedupe_key, contact_id, case_id, state, attempts, created_at, updated_at) "
                 "VALUES ('media', 'SM2/0', %s, %s, 'done', 1, %s, %s)",
                 (contact, case_id, t0 + timedelta(minutes=2), t0 + timedelta(minutes=3)))
    conn.execute("INSERT INTO case_attachments (case_id, sha256, content_type, size_bytes, storage_path, evidence_kind,"
                 " first_seen_at) VALUES (%s, %s, 'image/jpeg', 3, 'x/1.jpg', 'odometer_photo', %s)",
                 (case_id, "c" * 64, t0 + timedelta(minutes=3)))
    conn.execute("UPDATE cases SET odoo_synced_at = now(), odoo_id = 5, odoo_ref = 'PV/2026/00005' WHERE id = %s",
                 (case_id,))
    conn.execute("""UPDATE cases SET decision = '{"outcome": "eligible"}', warranty_status = 'eligible',
                    odoo_state = 'in_progress' WHERE id = %s""", (case_id,))
    event = make_event("warranty.decided", {"outcome": "eligible"}, subject=f"case/{case_id}",
                       source="urn:postventa:odoo", time=datetime.now(UTC))
    row = store.envelope_row(event, 77)
    assert row[-1] == event["traceparent"]
    store.insert_pulled(conn, [row])
    conn.execute("INSERT INTO event_delivery_attempts (event_id, attempt, endpoint, attempted_at, status_code, "
                 "duration_ms) VALUES (%s, 1, 'http://n8n', now() + interval '1 second', 500, 12)", (event["id"],))
    insert_event(conn, make_event("case.handoff", {"x": 1}, subject=f"case/{case_id}",
                                  time=datetime.now(UTC) + timedelta(seconds=2)))
    conn.execute("INSERT INTO wa_outbox (dedupe_key, contact_id, case_id, kind, body, state, sent_at) VALUES "
                 "('out1', %s, %s, 'outcome', 'Tu garantía aplica', 'sent', now() + interval '3 seconds')",
                 (contact, case_id))
    return case_id


def test_timeline_orders_every_step_under_one_trace(neon):
    with psycopg.connect(neon, autocommit=True) as conn:
        case_id = _seed_case(conn)
        [stored] = conn.execute("SELECT traceparent FROM events WHERE type = 'warranty.decided'").fetchall()
    with TestClient(create_app(Settings(database_url=neon, admin_api_key=KEY))) as client:
        assert client.get(f"/admin/cases/{case_id}/timeline").status_code == 401
        assert client.get("/admin/cases/99999999/timeline", headers=AUTH).status_code == 404
        assert client.get("/admin/cases/abc/timeline", headers=AUTH).status_code == 422
        assert client.get("/admin/cases/0/timeline", headers=AUTH).status_code == 422
        response = client.get(f"/admin/cases/{case_id}/timeline", headers=AUTH)
    assert response.status_code == 200, response.text
    assert response.headers["X-Timeline-Partial"] == "odoo not configured"
    body = response.json()
    assert body["trace_id"] == tracing.case_trace_id(case_id) == tracing.parse_traceparent(stored[0])[0]
    steps = body["steps"]
    assert [s["at"] for s in steps] == sorted(s["at"] for s in steps)
    assert all(len(s["at"]) == len("2026-12-02T10:35:04.434811Z") and s["at"].endswith("Z") for s in steps)
    assert [(s["system"], s["kind"]) for s in steps] == [
        ("whatsapp", "message.inbound"),
        ("neon", "case.created"),
        ("whatsapp", "message.inbound"),
        ("neon", "media.processed"),
        ("neon", "attachment.stored"),
        ("neon", "sync.push"),
        ("neon", "sync.pull"),
        ("events", "warranty.decided"),
        ("events", "delivery.attempt"),
        ("events", "case.handoff"),
        ("whatsapp", "message.outbound"),
    ]
    assert "VIN" in steps[0]["detail"] and "HTTP 500 in 12 ms" in steps[8]["detail"]
    assert steps[0]["duration_ms"] == 0 and steps[1]["duration_ms"] == 60_000
    assert all(s["duration_ms"] >= 0 for s in steps)
