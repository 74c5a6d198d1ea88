"""Who may call ``GET /spareparts`` (issue 11 item 1, and item 10's bad input): the dealer key may ask
anything, a customer token only about its own contact's cases, anonymous callers the public catalogue
only. Odoo is a local JSON-2 server; the channel store is a real Postgres database.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg
import pytest
from fastapi.testclient import TestClient

from bridge import customer_token
from bridge.app import create_app
from bridge.config import Settings
from tests.test_spareparts_api import sample_payload

ODOO_KEY = "odoo-key-0123456789abcdef"
DEALER_KEY = "dealer-key-0123456789abcdef"
SECRET = "customer-token-secret-0123456789abcdef"
OWNER = "whatsapp:+5215511112222"
STRANGER = "whatsapp:+5215533334444"
ODOO_CASE = 14
QUOTE_LINK = "http://odoo.example.com/my/orders/26?access_token=secret-portal-token"


class LeakyOdoo:
    """Answers every spare-parts call with a case document carrying the quote's portal link."""

    def __init__(self):
        self.calls: list[dict] = []
        self.fail: tuple[int, str, str] | None = None
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                return

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                outer.calls.append(body)
                if outer.fail:
                    status, name, message = outer.fail
                    return self._send(status, {"name": name, "message": message})
                payload = sample_payload(case_id=body.get("case_id") or ODOO_CASE,
                                         part_number=body.get("part_number"), fault_code=body.get("fault_code"))
                payload["links"]["quote"] = QUOTE_LINK
                return self._send(200, payload)

            def _send(self, status, payload):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def odoo():
    server = LeakyOdoo()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture(scope="module")
def client(db_url, odoo):
    with psycopg.connect(db_url) as conn:
        conn.execute("INSERT INTO cases (contact_id, status, odoo_id) VALUES (%s, 'complete', %s)", (OWNER, ODOO_CASE))
    settings = Settings(database_url=db_url, odoo_url=odoo.url, odoo_db="pv", odoo_api_key=ODOO_KEY,
                        admin_api_key=DEALER_KEY, customer_token_secret=SECRET)
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture(autouse=True)
def _reset(odoo):
    odoo.calls.clear()
    odoo.fail = None


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_anonymous_case_query_gets_no_case_data_and_odoo_is_not_asked(client, odoo):
    response = client.get("/spareparts", params={"case_id": ODOO_CASE})
    assert response.status_code == 401, response.text
    assert "access_token" not in response.text and "PV/2026" not in response.text
    assert "garantía" not in response.text and odoo.calls == []


def test_anonymous_catalogue_answer_carries_no_case_and_no_link(client, odoo):
    response = client.get("/spareparts", params={"part_number": "04465-02220"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["case"] is None and body["links"] == {"odoo_case": None, "quote": None}
    assert "access_token" not in response.text
    assert odoo.calls == [{"part_number": "04465-02220"}]


def test_the_dealer_key_may_ask_anything(client):
    response = client.get("/spareparts", params={"case_id": ODOO_CASE}, headers=bearer(DEALER_KEY))
    assert response.status_code == 200
    assert response.json()["links"]["quote"] == QUOTE_LINK


def test_the_cases_customer_sees_the_quote_but_no_back_office_link(client):
    token = customer_token.issue(SECRET, OWNER, 3600)
    response = client.get("/spareparts", params={"case_id": ODOO_CASE}, headers=bearer(token))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["links"]["quote"] == QUOTE_LINK and body["links"]["odoo_case"] is None
    assert body["case"]["id"] == ODOO_CASE


@pytest.mark.parametrize("case_id", [ODOO_CASE, 999])
def test_another_customer_gets_nothing_about_the_case(client, odoo, case_id):
    token = customer_token.issue(SECRET, STRANGER, 3600)
    response = client.get("/spareparts", params={"case_id": case_id}, headers=bearer(token))
    assert response.status_code == 404 and "access_token" not in response.text
    assert odoo.calls == []


@pytest.mark.parametrize("make_token, reason", [
    (lambda: customer_token.issue(SECRET, OWNER, 60, now=1_000_000), "expired"),
    (lambda: customer_token.issue("another-secret-0123456789abcdefghij", OWNER, 3600), "bad signature"),
    (lambda: customer_token.issue(SECRET, OWNER, 3600)[:-2] + "AA", "bad signature"),
    (lambda: "v1.e30.AAAA", "bad signature"),
    (lambda: "not-the-dealer-key", "unknown bearer"),
])
def test_bad_credentials_are_401_never_anonymous(client, odoo, make_token, reason):
    response = client.get("/spareparts", params={"part_number": "04465-02220"}, headers=bearer(make_token()))
    assert response.status_code == 401 and reason in response.text
    assert odoo.calls == []


def test_a_swapped_contact_breaks_the_signature():
    token = customer_token.issue(SECRET, OWNER, 3600)
    version, payload, mac = token.split(".")
    forged = json.loads(customer_token._unb64(payload))
    forged["c"] = STRANGER
    forged_payload = customer_token._b64(json.dumps(forged).encode())
    with pytest.raises(customer_token.InvalidToken, match="bad signature"):
        customer_token.verify(SECRET, f"{version}.{forged_payload}.{mac}")
    assert customer_token.verify(SECRET, token).contact_id == OWNER


# --- item 10: wildcards and Odoo's internal errors -------------------------------------------------

@pytest.mark.parametrize("q", ["%%", "__", "%_", "\\%", "% _ %"])
def test_ilike_wildcards_never_list_the_catalogue(client, odoo, q):
    response = client.get("/spareparts", params={"q": q})
    assert response.status_code == 422 and "wildcards" in response.text
    assert odoo.calls == []


def test_wildcards_inside_text_are_neutralized(client, odoo):
    response = client.get("/spareparts", params={"q": "balatas%_corolla"})
    assert response.status_code == 200
    assert odoo.calls == [{"query": "balatas corolla"}]


@pytest.mark.parametrize("status, name", [
    (500, "psycopg2.errors.CharacterNotInRepertoire"), (422, "builtins.ValueError"), (400, "builtins.KeyError"),
])
def test_odoo_internal_error_text_is_not_passed_through(client, odoo, status, name):
    odoo.fail = (status, name, 'Traceback: File "/opt/odoo19/odoo/sql_db.py", line 354 A string literal')
    response = client.get("/spareparts", params={"part_number": "04465-02220"}, headers=bearer(DEALER_KEY))
    assert 400 <= response.status_code < 600 and response.status_code != 500
    assert "sql_db" not in response.text and "Traceback" not in response.text and "psycopg2" not in response.text
