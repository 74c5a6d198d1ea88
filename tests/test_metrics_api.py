"""``GET /admin/metrics`` and ``GET /metrics`` on a real Postgres, with a local server speaking Odoo's
JSON-2 for ``postventa.kpi/compute_kpis`` (the Odoo side is tested against real Odoo in
``addons/postventa_metrics/tests``). Every timestamp is relative to the database's ``now()``."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from bridge.api import metrics as metrics_api
from bridge.app import create_app
from bridge.config import Settings

API_KEY = "metrics-test-key-0123456789"
DB = "pv_metrics"
ADMIN = "metrics-admin-token"
AUTH = {"Authorization": f"Bearer {ADMIN}"}


def reference_kpis(date_from: str, date_to: str) -> dict:
    """What addons/postventa_metrics answers for its reference dataset (hand-computed there)."""
    return {
        "period": {"from": date_from, "to": date_to},
        "currency": "MXN",
        "attach_rate": {"value": 0.5, "numerator": 2, "denominator": 4},
        "resolution_hours": {"count": 4, "mean": 117.0, "median": 102.0, "p90": 220.2},
        "stock_rotation": {"units_out": 40.0, "avg_on_hand": 122.5, "turnover": 0.3265, "days_of_inventory": 30.625},
        "warranty_cost": {"tickets": 2, "parts": 3899.98, "labor": 2450.0, "total": 6349.98, "per_ticket": 3174.99},
    }


class Json2Server:
    """Just enough of Odoo's JSON-2 for the route: bearer key, database header, named arguments."""

    def __init__(self) -> None:
        self.calls: list[dict] = []
        self.fail_status: int | None = None
        self.answer: object | None = None
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                if self.headers.get("Authorization") != f"bearer {API_KEY}" or self.headers.get(
                        "X-Odoo-Database") != DB:
                    return self._send(401, {"name": "werkzeug.exceptions.Unauthorized", "message": "Invalid apikey"})
                if self.path != "/json/2/postventa.kpi/compute_kpis":
                    return self._send(404, {"name": "NotFound", "message": self.path})
                server.calls.append(body)
                if server.fail_status:
                    return self._send(server.fail_status, {"name": "odoo.exceptions.AccessError",
                                                           "message": "Only after-sales managers..."})
                answer = server.answer if server.answer is not None else reference_kpis(body["date_from"],
                                                                                         body["date_to"])
                return self._send(200, answer)

            def _send(self, status, payload):
                raw = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def odoo():
    server = Json2Server()
    yield server
    server.close()


@pytest.fixture
def fresh(odoo):
    odoo.calls.clear()
    odoo.fail_status = None
    odoo.answer = None
    metrics_api.clear_cache()
    return odoo


def _client(db_url: str, **overrides) -> TestClient:
    values = {"database_url": db_url, "admin_api_key": ADMIN, "odoo_url": "", "odoo_db": DB,
              "odoo_api_key": API_KEY, **overrides}
    return TestClient(create_app(Settings(**values)))


@pytest.fixture(scope="module")
def channel(db_url):
    """Channel rows around D-2 (two days before the database's today, UTC):

    WhatsApp cases created D-2 10:00: C1 and C2 intake complete, C3 not -> started 3, completed 2 -> 0.6667;
    C4 created D-5 (outside), C5 has no WhatsApp contact (not the channel's) -> left out.
    First response: C1's first sent message 600 s after creation (a second one at 1,200 s), C2's at 1,800 s,
    C3 only a pending one -> [600, 1800]: median 1,200 s, count 2.
    Media jobs done, created D-2 10:00, finished after 30, 90 and 60 s -> [30, 60, 90]: median 60,
    p90 = 60 + 0.8 * 30 = 84; one more queued for 120 s now (not done: not in the lag).
    Events received 300 s ago: one pending, one dead, one delivered -> backlog 1, dead 1, oldest 300 s.
    Delivery attempts: one 200, one 500, one with no answer -> 1 success, 2 failures.
    Sync: last good pass 42 s ago.
    """
    with psycopg.connect(db_url, autocommit=True) as conn:
        today = conn.execute("SELECT (now() AT TIME ZONE 'UTC')::date").fetchone()[0]
        d2 = f"{today - timedelta(days=2)} 10:00:00+00"
        d5 = f"{today - timedelta(days=5)} 10:00:00+00"
        ids = {}
        for name, contact, created, complete in (("C1", "+5215500000101", d2, True),
                                                  ("C2", "+5215500000102", d2, True),
                                                  ("C3", "+5215500000103", d2, False),
                                                  ("C4", "+5215500000104", d5, True),
                                                  ("C5", None, d2, True)):
            ids[name] = conn.execute(
                """INSERT INTO cases (contact_id, created_at, intake_completed_at)
                   VALUES (%s, %s::timestamptz, CASE WHEN %s THEN %s::timestamptz + interval '5 minutes' END)
                   RETURNING id""", (contact, created, complete, created)).fetchone()[0]
        for n, (case, after_s, state) in enumerate((("C1", 600, "sent"), ("C1", 1200, "sent"),
                                                    ("C2", 1800, "sent"), ("C3", 60, "pending"))):
            conn.execute(
                """INSERT INTO wa_outbox (dedupe_key, contact_id, case_id, kind, body, state, created_at, sent_at)
                   SELECT %s, c.contact_id, c.id, 'decision', 'hola', %s, c.created_at,
                          CASE WHEN %s = 'sent' THEN c.created_at + make_interval(secs => %s) END
                     FROM cases c WHERE c.id = %s""", (f"m-{n}", state, state, after_s, ids[case]))
        for n, lag in enumerate((30, 90, 60)):
            conn.execute(
                """INSERT INTO wa_jobs (kind, dedupe_key, contact_id, state, created_at, updated_at)
                   VALUES ('media', %s, '+5215500000101', 'done', %s::timestamptz,
                           %s::timestamptz + make_interval(secs => %s))""", (f"j-{n}", d2, d2, lag))
        conn.execute("""INSERT INTO wa_jobs (kind, dedupe_key, contact_id, state, created_at)
                        VALUES ('media', 'j-queued', '+5215500000101', 'queued', now() - interval '120 seconds')""")
        events = [str(uuid.uuid4()) for _ in range(3)]
        for event_id in events:
            conn.execute("""INSERT INTO events (id, type, source, time, received_at)
                            VALUES (%s, 'warranty.decided', 'urn:test', now(), now() - interval '300 seconds')""",
                         (event_id,))
        conn.execute("UPDATE event_deliveries SET state = 'dead' WHERE event_id = %s", (events[1],))
        conn.execute("UPDATE event_deliveries SET state = 'delivered', delivered_at = now() WHERE event_id = %s",
                     (events[2],))
        for attempt, status in enumerate((200, 500, None), 1):
            conn.execute("""INSERT INTO event_delivery_attempts (event_id, attempt, endpoint, attempted_at,
                                                                 status_code, error)
                            VALUES (%s, %s, 'http://receiver.test/hook', now(), %s, %s)""",
                         (events[0], attempt, status, None if status else "timeout"))
        conn.execute("""INSERT INTO bridge_state (key, value) VALUES ('sync.status',
                          jsonb_build_object('state', 'ok', 'last_ok_at', now() - interval '42 seconds'))
                        ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value""")
    return {"from": str(today - timedelta(days=3)), "to": str(today - timedelta(days=1)), "today": today}


# --- /admin/metrics ---------------------------------------------------------------------------------

def test_admin_metrics_merges_odoo_and_channel(db_url, fresh, channel):
    with _client(db_url, odoo_url=fresh.url) as client:
        response = client.get("/admin/metrics", params={"from": channel["from"], "to": channel["to"]}, headers=AUTH)
    assert response.status_code == 200, response.text
    body = response.json()
    assert fresh.calls == [{"date_from": channel["from"], "date_to": channel["to"]}]
    odoo_part = {k: v for k, v in body.items() if k not in ("channel", "odoo_cached_at")}
    assert odoo_part == reference_kpis(channel["from"], channel["to"])
    lag = body["channel"]["media_processing_lag"]
    assert 119 <= lag.pop("oldest_queued_seconds") < 600
    backlog = body["channel"]["event_delivery_backlog"]
    assert 299 <= backlog.pop("oldest_pending_seconds") < 900
    assert body["channel"] == {
        "whatsapp_intake_completion": {"value": 0.6667, "completed": 2, "started": 3},
        "first_response": {"median_seconds": 1200.0, "count": 2},
        "media_processing_lag": {"median_seconds": 60.0, "p90_seconds": 84.0, "count": 3, "queued": 1},
        "event_delivery_backlog": {"pending": 1, "dead": 1},
    }


def test_admin_metrics_empty_period_is_null_not_error(db_url, fresh, channel):
    day = str(channel["today"] - timedelta(days=40))
    with _client(db_url, odoo_url=fresh.url) as client:
        body = client.get("/admin/metrics", params={"from": day, "to": day}, headers=AUTH).json()
    assert body["channel"]["whatsapp_intake_completion"] == {"value": None, "completed": 0, "started": 0}
    assert body["channel"]["first_response"] == {"median_seconds": None, "count": 0}
    assert body["channel"]["media_processing_lag"]["median_seconds"] is None


def test_odoo_answer_is_cached_briefly(db_url, fresh, channel):
    params = {"from": channel["from"], "to": channel["to"]}
    with _client(db_url, odoo_url=fresh.url) as client:
        first = client.get("/admin/metrics", params=params, headers=AUTH).json()
        second = client.get("/admin/metrics", params=params, headers=AUTH).json()
        assert len(fresh.calls) == 1
        assert first["odoo_cached_at"] == second["odoo_cached_at"]
        client.get("/admin/metrics", params={"from": channel["to"], "to": channel["to"]}, headers=AUTH)
        assert len(fresh.calls) == 2
        metrics_api._cache.update({k: (v[0] - metrics_api.CACHE_TTL_S - 1, v[1])
                                   for k, v in metrics_api._cache.items()})
        client.get("/admin/metrics", params=params, headers=AUTH)
        assert len(fresh.calls) == 3


@pytest.mark.parametrize(("params", "status"), [
    ({"from": "2026-13-01", "to": date.today().isoformat()}, 422),
    ({"to": date.today().isoformat()}, 422),
    ({"from": "ayer", "to": "hoy"}, 422),
])
def test_admin_metrics_malformed_dates_are_422(db_url, fresh, params, status):
    with _client(db_url, odoo_url=fresh.url) as client:
        response = client.get("/admin/metrics", params=params, headers=AUTH)
    assert response.status_code == status
    assert fresh.calls == []


def test_admin_metrics_bad_period_is_400(db_url, fresh, channel):
    with _client(db_url, odoo_url=fresh.url) as client:
        reversed_ = client.get("/admin/metrics", params={"from": channel["to"], "to": channel["from"]}, headers=AUTH)
        too_long = client.get("/admin/metrics", headers=AUTH, params={
            "from": str(channel["today"] - timedelta(days=4000)), "to": channel["to"]})
    assert (reversed_.status_code, too_long.status_code) == (400, 400)
    assert "after" in reversed_.json()["error"]
    assert fresh.calls == []


def test_admin_metrics_needs_the_admin_token(db_url, fresh, channel):
    params = {"from": channel["from"], "to": channel["to"]}
    with _client(db_url, odoo_url=fresh.url) as client:
        assert client.get("/admin/metrics", params=params).status_code == 401
        assert client.get("/admin/metrics", params=params, headers={"Authorization": "Bearer nope"}).status_code == 401
    with _client(db_url, odoo_url=fresh.url, admin_api_key="") as client:
        assert client.get("/admin/metrics", params=params, headers=AUTH).status_code == 503
    assert fresh.calls == []


def test_admin_metrics_odoo_failures_are_clear(db_url, fresh, channel):
    params = {"from": channel["from"], "to": channel["to"]}
    with _client(db_url, odoo_url="") as client:
        response = client.get("/admin/metrics", params=params, headers=AUTH)
        assert (response.status_code, response.json()["error"]) == (503, "Odoo is not configured")
    with _client(db_url, odoo_url=fresh.url, odoo_api_key="wrong-key") as client:
        assert client.get("/admin/metrics", params=params, headers=AUTH).status_code == 502
    fresh.fail_status = 403  # Odoo's AccessError: the key's user is not in the integration group
    with _client(db_url, odoo_url=fresh.url) as client:
        response = client.get("/admin/metrics", params=params, headers=AUTH)
        assert response.status_code == 502 and "integration group" in response.json()["error"]
    fresh.fail_status = None
    fresh.answer = {"period": "not the contract"}
    with _client(db_url, odoo_url=fresh.url) as client:
        assert client.get("/admin/metrics", params=params, headers=AUTH).status_code == 502
    with _client(db_url, odoo_url="http://127.0.0.1:9") as client:
        response = client.get("/admin/metrics", params=params, headers=AUTH)
        assert (response.status_code, response.json()["error"]) == (503, "Odoo is not reachable")


def test_openapi_documents_the_routes(db_url):
    with _client(db_url) as client:
        paths = client.get("/openapi.json").json()["paths"]
    assert "/admin/metrics" in paths and "/metrics" in paths
    assert {p["name"] for p in paths["/admin/metrics"]["get"]["parameters"]} == {"from", "to"}


# --- /metrics (Prometheus) -----------------------------------------------------------------------------

def _scrape(client: TestClient) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", headers=AUTH)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def test_prometheus_scrape_reads_queues_sync_and_deliveries(db_url, channel):
    with _client(db_url) as client:
        s = _scrape(client)
    assert s[("postventa_neon_up", ())] == 1
    assert s[("postventa_queue_depth", (("queue", "media_jobs"), ("state", "queued")))] == 1
    assert s[("postventa_queue_depth", (("queue", "event_deliveries"), ("state", "pending_or_failed")))] == 1
    assert s[("postventa_queue_depth", (("queue", "event_deliveries"), ("state", "dead")))] == 1
    assert s[("postventa_queue_depth", (("queue", "whatsapp_outbox"), ("state", "pending")))] == 1
    assert s[("postventa_queue_depth", (("queue", "sync_push"), ("state", "pending")))] == 5
    assert 119 <= s[("postventa_queue_oldest_age_seconds", (("queue", "media_jobs"),))] < 600
    assert 299 <= s[("postventa_queue_oldest_age_seconds", (("queue", "event_deliveries"),))] < 900
    assert 41 <= s[("postventa_sync_lag_seconds", ())] < 600
    assert s[("postventa_event_delivery_attempts_total", (("outcome", "success"),))] == 1
    assert s[("postventa_event_delivery_attempts_total", (("outcome", "failure"),))] == 2
    assert s[("postventa_event_delivery_failures_total", ())] == 2


def test_webhook_latency_histogram_counts_each_request(db_url):
    key = ("postventa_webhook_latency_seconds_count", (("route", "twilio_whatsapp"), ("status", "415")))
    with _client(db_url, twilio_auth_token="x" * 32, twilio_account_sid="AC" + "0" * 32) as client:
        before = _scrape(client).get(key, 0.0)
        for _ in range(2):
            assert client.post("/twilio/whatsapp", content=b"{}",
                               headers={"Content-Type": "application/json"}).status_code == 415
        after = _scrape(client)
    assert after[key] == before + 2
    assert after[("postventa_webhook_latency_seconds_bucket",
                  (("le", "+Inf"), ("route", "twilio_whatsapp"), ("status", "415")))] == before + 2


def test_prometheus_needs_the_admin_token_and_survives_neon_down(db_url):
    with _client(db_url) as client:
        assert client.get("/metrics").status_code == 401
    with _client("postgresql://127.0.0.1:1/nowhere") as client:
        s = _scrape(client)
    assert s[("postventa_neon_up", ())] == 0
