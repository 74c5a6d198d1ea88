"""Admin API: bearer auth, filters, cursor pagination, the event feed, redelivery, /healthz probes,
and bad parameters answered with a 4xx and a reason (never a 500)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from fastapi.testclient import TestClient

from bridge.app import create_app
from bridge.cloudevents import insert_event, make_event
from bridge.config import Settings

from .odoo_server import FakeBackend, drop_db, free_port, fresh_neon_db

KEY = "admin-key-for-tests-0123456789"
AUTH = {"Authorization": f"Bearer {KEY}"}


@pytest.fixture(scope="module")
def neon():
    url = fresh_neon_db()
    with psycopg.connect(url) as conn:
        conn.execute(
            """INSERT INTO cases (contact_id, vin, plate, odo_km, falla_tipo, warranty_status, status, created_at)
               SELECT 'whatsapp:+52155' || lpad((g % 7)::text, 8, '0'),
                      CASE WHEN g % 5 = 0 THEN 'JTDKB20U99345' || lpad(g::text, 4, '0') END,
                      'ABC-' || g, g * 100, 'ENG-001',
                      (ARRAY['pending', 'eligible', 'review', 'no_eligible'])[1 + g % 4],
                      CASE WHEN g % 10 = 0 THEN 'cancelled' ELSE 'open' END,
                      timestamptz '2026-11-01 00:00+00' + g * interval '1 hour'
                 FROM generate_series(1, 95) g"""
        )
        case_id = conn.execute("SELECT min(id) FROM cases").fetchone()[0]
        conn.execute(
            """INSERT INTO case_attachments (case_id, sha256, content_type, size_bytes, storage_path)
               VALUES (%s, %s, 'image/jpeg', 3, 'x/1.jpg')""", (case_id, "c" * 64))
        for i in range(25):
            insert_event(conn, make_event("media_processed" if i % 2 else "service.due", {"i": i},
                                          subject=f"case/{i % 3}"))
    yield url
    drop_db(url)


@pytest.fixture(scope="module")
def client(neon):
    settings = Settings(database_url=neon, admin_api_key=KEY)
    with TestClient(create_app(settings)) as c:
        yield c


def test_auth_is_required_and_constant_time_compared(client):
    assert client.get("/admin/cases").status_code == 401
    assert client.get("/admin/cases", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/admin/events", headers={"Authorization": f"Basic {KEY}"}).status_code == 401
    assert client.post(f"/admin/events/{uuid.uuid4()}/redeliver").status_code == 401
    r = client.get("/admin/cases", headers=AUTH)
    assert r.status_code == 200


def test_admin_answers_503_when_no_key_is_configured(neon):
    with TestClient(create_app(Settings(database_url=neon))) as c:
        r = c.get("/admin/cases", headers=AUTH)
    assert r.status_code == 503 and "ADMIN_API_KEY" in r.json()["detail"]


def test_cursor_pagination_walks_every_case_once(client):
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 10} | ({"cursor": cursor} if cursor else {})
        page = client.get("/admin/cases", params=params, headers=AUTH).json()
        seen += [c["id"] for c in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 95 and pages == 10
    assert seen == sorted(seen, reverse=True)


def test_filters(client):
    def ids(**params):
        r = client.get("/admin/cases", params=params | {"limit": 500}, headers=AUTH)
        assert r.status_code == 200, r.text
        return r.json()["items"]

    eligible = ids(warranty_status="eligible")
    assert eligible and {c["warranty_status"] for c in eligible} == {"eligible"}
    assert {c["status"] for c in ids(status="cancelled")} == {"cancelled"} and len(ids(status="cancelled")) == 9
    with_vin = ids(vin="jtdkb20u993450010")
    assert [c["plate"] for c in with_vin] == ["ABC-10"]
    assert [c["plate"] for c in ids(plate="abc-7")] == ["ABC-7"]
    window = ids(created_from="2026-11-01T10:00:00Z", created_to="2026-11-01T20:00:00+00:00")
    assert len(window) == 10
    assert len(ids(created_from="2026-11-01T10:00:00", warranty_status="review", status="open")) > 0


@pytest.mark.parametrize(("params", "reason"), [
    ({"cursor": "garbage!!"}, "invalid cursor"),
    ({"cursor": "aWQ6eA"}, "invalid cursor"),  # "id:x"
    ({"created_from": "2026-11-02T00:00:00Z", "created_to": "2026-11-01T00:00:00Z"}, "before"),
    ({"created_from": "yesterday"}, "created_from"),
    ({"warranty_status": "maybe"}, "warranty_status"),
    ({"limit": 0}, "limit"),
    ({"limit": 100000}, "limit"),
])
def test_bad_case_params_are_4xx_with_a_reason(client, params, reason):
    r = client.get("/admin/cases", params=params, headers=AUTH)
    assert 400 <= r.status_code < 500
    assert reason in r.text


def test_cases_of_one_contact_with_attachments(client, neon):
    with psycopg.connect(neon) as conn:
        contact, case_id = conn.execute("SELECT contact_id, id FROM cases ORDER BY id LIMIT 1").fetchone()
    for spelled in (contact, contact.removeprefix("whatsapp:")):
        r = client.get(f"/admin/cases/{spelled}", headers=AUTH)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["contact_id"] == contact
        assert all(c["contact_id"] == contact for c in body["cases"])
        first = next(c for c in body["cases"] if c["id"] == case_id)
        assert first["attachments"][0]["sha256"] == "c" * 64
    r = client.get("/admin/cases/+5200000000000", headers=AUTH)
    assert r.status_code == 404 and "no cases" in r.json()["detail"]


def test_event_feed_is_ordered_and_cursor_paged(client):
    items, after = [], 0
    while True:
        page = client.get("/admin/events", params={"after": after, "limit": 7}, headers=AUTH).json()
        if not page["items"]:
            assert page["next_after"] == after
            break
        items += page["items"]
        after = page["next_after"]
    seqs = [e["seq"] for e in items]
    assert len(items) == 25 and seqs == sorted(seqs)
    assert all(e["delivery"]["state"] == "pending" and e["specversion"] == "1.0" for e in items)
    typed = client.get("/admin/events", params={"type": "service.due"}, headers=AUTH).json()["items"]
    assert len(typed) == 13 and {e["type"] for e in typed} == {"service.due"}
    for bad in ({"after": -1}, {"after": "x"}, {"delivery_state": "lost"}, {"limit": 0}):
        r = client.get("/admin/events", params=bad, headers=AUTH)
        assert r.status_code == 422 and r.json()["detail"], bad


def test_dead_letters_are_visible_and_redeliverable(client, neon):
    with psycopg.connect(neon) as conn:
        event_id = conn.execute("SELECT id FROM events ORDER BY seq LIMIT 1").fetchone()[0]
        conn.execute("UPDATE event_deliveries SET state = 'dead', attempts = 8, last_error = 'HTTP 500' "
                     "WHERE event_id = %s", (event_id,))
    dead = client.get("/admin/events", params={"delivery_state": "dead"}, headers=AUTH).json()["items"]
    assert [e["id"] for e in dead] == [str(event_id)] and dead[0]["delivery"]["last_error"] == "HTTP 500"
    r = client.post(f"/admin/events/{event_id}/redeliver", headers=AUTH)
    assert r.status_code == 202 and r.json()["state"] == "pending" and r.json()["attempts"] == 0
    assert client.post(f"/admin/events/{uuid.uuid4()}/redeliver", headers=AUTH).status_code == 404
    bad = client.post("/admin/events/not-a-uuid/redeliver", headers=AUTH)
    assert bad.status_code == 422 and "event_id" in bad.text


def test_openapi_documents_the_admin_responses(client):
    spec = client.get("/openapi.json").json()
    assert spec["paths"]["/admin/cases"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CasePage"}
    assert "/admin/events/{event_id}/redeliver" in spec["paths"]
    assert "bearer" in str(spec["components"]["securitySchemes"]).lower()


def test_healthz_reports_odoo_off_up_down_and_sync_status(neon):
    with TestClient(create_app(Settings(database_url=neon))) as c:
        backends = c.get("/healthz").json()["backends"]
    assert backends["odoo"] == "off" and backends["sync"] == "off" and backends["events"] == "off"

    fake = FakeBackend()
    try:
        with TestClient(create_app(fake.settings(neon))) as c:
            backends = c.get("/healthz").json()["backends"]
        assert backends["odoo"] == "up" and backends["sync"] == "never run"
        with psycopg.connect(neon) as conn:
            conn.execute("""INSERT INTO bridge_state (key, value) VALUES ('sync.status',
                            '{"state": "retrying", "odoo": "down", "last_error": "Odoo unreachable"}')
                            ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value""")
        down = Settings(database_url=neon, odoo_url=f"http://127.0.0.1:{free_port()}", odoo_db="x",
                        odoo_api_key=fake.key)
        with TestClient(create_app(down)) as c:
            backends = c.get("/healthz").json()["backends"]
        assert backends["odoo"] == "down" and backends["sync"].startswith("retrying: Odoo unreachable")
        assert fake.key not in str(backends)
    finally:
        fake.close()


def test_healthz_shows_a_disabled_webhook_endpoint(neon):
    settings = Settings(database_url=neon, event_webhook_url="http://127.0.0.1:9/hook", event_webhook_secret="s")
    with psycopg.connect(neon) as conn:
        conn.execute("INSERT INTO webhook_endpoints (url, disabled_at, disabled_reason) VALUES (%s, %s, '410 Gone')",
                     (settings.event_webhook_url, datetime.now(UTC) - timedelta(minutes=1)))
    with TestClient(create_app(settings)) as c:
        assert c.get("/healthz").json()["backends"]["events"] == "disabled: 410 Gone"
