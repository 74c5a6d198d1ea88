"""Odoo outcomes (events in Neon) -> WhatsApp messages through the real twilio client (local fake API)."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg.rows import dict_row

from bridge import db
from bridge.app import create_app
from bridge.cloudevents import insert_event, make_event
from bridge.config import Settings
from bridge.whatsapp import media_worker, outbox
from tests import fake_twilio
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, replies, signed_post, webhook_params

PUBLIC = "https://bridge.example.com"
ODOO_SOURCE = "urn:postventa:odoo"


@pytest.fixture(scope="module")
def fake():
    with fake_twilio.running() as server:
        yield server


@pytest.fixture(scope="module")
def settings(db_url, tmp_path_factory, fake) -> Settings:
    return Settings(database_url=db_url, twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN,
                    twilio_whatsapp_from="+14155238886", public_base_url=PUBLIC,
                    media_dir=str(tmp_path_factory.mktemp("media")), media_allow_loopback=True)


@pytest.fixture(scope="module")
def client(settings):
    with TestClient(create_app(settings)) as c:
        yield c


_n = iter(range(100))


@pytest.fixture
def customer(client, settings, fake):
    """A customer whose case is complete (a fault with no required evidence), as the sync would see it."""
    sender = f"whatsapp:+5215520{next(_n):06d}"
    for text in ("hola", "JTDKB20U993456789", "30000", "algo extraño", "1"):
        say(client, sender, text)
    with psycopg.connect(settings.database_url, row_factory=dict_row) as conn:
        case = conn.execute("SELECT * FROM cases WHERE contact_id = %s", (sender,)).fetchone()
        assert case["status"] == "complete"
        # What the sync writes back from Odoo.
        conn.execute("UPDATE cases SET odoo_id = %s, odoo_ref = %s WHERE id = %s",
                     (1000 + case["id"], f"PV/2026/{case['id']:05d}", case["id"]))
    notify(settings)  # the intake's replies go out now; the tests look at what is sent after them
    _intake_sent[sender] = len(fake.messages)
    return sender, case["id"]


_intake_sent: dict[str, int] = {}


def say(client, sender, text) -> list[str]:
    response = signed_post(client, webhook_params(sender, text), public_url=PUBLIC)
    assert response.status_code == 200
    answer = replies(response)
    _replies.setdefault(sender, []).extend(r[:60] for r in answer)
    return answer


def odoo_event(settings, type_, case_id, data) -> dict:
    event = make_event(type_, {"case": f"PV/2026/{case_id:05d}", "neon_id": case_id, **data},
                       subject=f"case/{case_id}", source=ODOO_SOURCE)
    with db.connect(settings.database_url) as conn:
        insert_event(conn, event)
    return event


def notify(settings) -> None:
    with db.connect(settings.database_url, autocommit=True) as conn:
        media_worker.notify_once(conn, settings, outbox.make_client(settings))


def sent_to(fake, sender, *, replies_too: bool = False) -> list[dict]:
    """Messages sent to ``sender`` after its intake, without the conversation's own replies (kind ``reply``)."""
    return [m for m in fake.messages[_intake_sent.get(sender, 0):]
            if m["To"] == sender and (replies_too or not m.get("Body", "").startswith(tuple(_replies.get(sender, ()))))]


_replies: dict[str, list[str]] = {}


def q(settings, sql, *args):
    with psycopg.connect(settings.database_url, row_factory=dict_row) as conn:
        return conn.execute(sql, args).fetchall()


REASON = {"code": "km_exceeded", "outcome": "no_eligible",
          "message": "El vehículo superó los 100,000 km de la cobertura"}


def test_eligible_tells_the_ticket(settings, fake, customer):
    sender, case_id = customer
    with psycopg.connect(settings.database_url) as conn:
        conn.execute("UPDATE cases SET warranty_status = 'eligible', ticket = %s WHERE id = %s",
                     (json.dumps({"name": "GT/2026/0042", "state": "open"}), case_id))
    odoo_event(settings, "warranty.decided", case_id, {"outcome": "eligible", "reasons": [], "policy_version": "1",
                                                       "is_override": False})
    notify(settings)
    notify(settings)  # a second pass (or a second notifier) sends nothing more
    [message] = sent_to(fake, sender)
    assert "garantía *aplica*" in message["Body"] and "GT/2026/0042" in message["Body"]
    assert message["From"] == "whatsapp:+14155238886"


def test_no_eligible_explains_offers_parts_and_a_quote(client, settings, fake, customer):
    sender, case_id = customer
    odoo_event(settings, "warranty.decided", case_id, {
        "outcome": "no_eligible", "reasons": [REASON], "policy_version": "1", "is_override": False,
        "parts": [{"name": "Balatas delanteras", "supplier": "Refaccionaria Norte", "price": 1850, "currency": "MXN",
                   "stock": 4}],
    })
    notify(settings)
    [message] = sent_to(fake, sender)
    body = message["Body"]
    assert "garantía no aplica" in body and "100,000 km" in body
    assert "Balatas delanteras" in body and "$1,850.00" in body and "cotizar" in body
    assert "pedimos tu cotización" in say(client, sender, "Cotizar")[0]
    assert q(settings, "SELECT 1 FROM events WHERE type = 'quote.requested'") == []  # Odoo emits it
    [call] = q(settings, "SELECT * FROM wa_odoo_calls WHERE dedupe_key = %s", f"request_quote:{case_id}")
    assert (call["method"], call["kwargs"], call["state"]) == ("bridge_request_quote", {"neon_id": case_id}, "pending")


def test_review_says_a_person_will_look(settings, fake, customer):
    sender, case_id = customer
    odoo_event(settings, "warranty.decided", case_id, {"outcome": "review", "reasons": [REASON],
                                                       "policy_version": "1", "is_override": False})
    notify(settings)
    assert "revisión de un especialista" in sent_to(fake, sender)[0]["Body"]


def test_quote_approved_then_acepto_records_the_acceptance(client, settings, fake, customer):
    sender, case_id = customer
    odoo_event(settings, "quote.approved", case_id, {
        "case_id": 1000 + case_id, "quote": {"name": "S00042", "amount_total": 4500.0, "currency": "MXN"},
        "lines": [{"product": "Balatas delanteras"}, {"product": "Mano de obra frenos"}],
        "portal_url": "https://odoo.example.com/my/orders/42?access_token=x",
    })
    notify(settings)
    [message] = sent_to(fake, sender)
    assert "$4,500.00 MXN" in message["Body"] and "Balatas delanteras, Mano de obra frenos" in message["Body"]
    assert "acepto" in message["Body"] and "https://odoo.example.com/my/orders/42" in message["Body"]
    assert "Registramos tu aceptación" in say(client, sender, "Acepto")[0]
    assert "No tienes cotizaciones" in say(client, sender, "acepto")[0]  # once is enough
    [case] = q(settings, "SELECT quote_accepted_at FROM cases WHERE id = %s", case_id)
    assert case["quote_accepted_at"] is not None
    assert q(settings, "SELECT 1 FROM events WHERE type = 'quote.accepted'") == []  # Odoo emits it on confirmation
    [call] = q(settings, "SELECT * FROM wa_odoo_calls WHERE dedupe_key = %s", f"accept_quote:{case_id}:S00042")
    assert call["state"] == "pending"  # Odoo not configured: the acceptance stays queued


def test_service_done_asks_for_a_rating_and_stores_it(client, settings, fake, customer):
    sender, case_id = customer
    odoo_event(settings, "service.done", case_id, {})
    notify(settings)
    assert "del 1 (mala) al 5" in sent_to(fake, sender)[0]["Body"]
    assert "del 1 al 5" in say(client, sender, "10")[0]
    assert "calificación de 4" in say(client, sender, "4 ⭐")[0]
    assert q(settings, "SELECT csat_score FROM cases WHERE id = %s", case_id)[0]["csat_score"] == 4


def test_outside_the_24h_window_only_templates_go_out(client, settings, fake, customer, monkeypatch):
    sender, case_id = customer
    with psycopg.connect(settings.database_url) as conn:
        conn.execute("UPDATE wa_contacts SET last_inbound_at = now() - interval '2 days' WHERE contact_id = %s",
                     (sender,))
    odoo_event(settings, "service.done", case_id, {})
    notify(settings)
    assert sent_to(fake, sender) == []
    assert q(settings, "SELECT state FROM wa_outbox WHERE contact_id = %s AND kind <> 'reply'",
             sender)[0]["state"] == "held"
    odoo_event(settings, "warranty.decided", case_id, {"outcome": "review", "reasons": [REASON],
                                                       "policy_version": "1", "is_override": False})
    monkeypatch.setenv("TWILIO_TEMPLATE_WARRANTY_REVIEW", "HX" + "a" * 32)
    notify(settings)
    [template] = sent_to(fake, sender)
    assert template["ContentSid"] == "HX" + "a" * 32 and json.loads(template["ContentVariables"]) == {"1": str(case_id)}
    assert "Body" not in template
    say(client, sender, "hola de nuevo")  # reopens the window: the held message goes out as text
    notify(settings)
    assert any("del 1 (mala) al 5" in m.get("Body", "") for m in sent_to(fake, sender))


def test_twilio_errors_retry_or_hold(settings, fake, customer):
    sender, case_id = customer
    fake.fail_next.append((500, 20500))
    odoo_event(settings, "warranty.decided", case_id, {"outcome": "review", "reasons": [REASON],
                                                       "policy_version": "1", "is_override": False})
    notify(settings)
    [row] = q(settings, "SELECT * FROM wa_outbox WHERE contact_id = %s AND kind <> 'reply'", sender)
    assert (row["state"], row["attempts"]) == ("pending", 1) and "500" in row["last_error"]
    assert AUTH_TOKEN not in row["last_error"]
    with psycopg.connect(settings.database_url) as conn:
        conn.execute("UPDATE wa_outbox SET next_attempt_at = now() WHERE id = %s", (row["id"],))
    fake.fail_next.append((400, 63016))
    notify(settings)
    assert q(settings, "SELECT state FROM wa_outbox WHERE id = %s", row["id"])[0]["state"] == "held"


class _FakeOdooHandler(BaseHTTPRequestHandler):
    calls: list = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.calls.append((self.path, self.headers.get("Authorization"), body))
        data = b"true"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        return


def test_queued_odoo_call_is_made_when_odoo_is_configured(client, settings, fake, customer):
    sender, case_id = customer
    odoo_event(settings, "quote.approved", case_id, {"quote": {"amount_total": 10, "currency": "MXN"}})
    notify(settings)
    say(client, sender, "acepto")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeOdooHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        odoo = replace(settings, odoo_url=f"http://127.0.0.1:{server.server_address[1]}", odoo_db="pv",
                       odoo_api_key="odoo-key")
        notify(odoo)
    finally:
        server.shutdown()
    assert ("/json/2/postventa.case/bridge_accept_quote", "bearer odoo-key", {"neon_id": case_id}) \
        in _FakeOdooHandler.calls
    [call] = q(settings, "SELECT state FROM wa_odoo_calls WHERE dedupe_key LIKE %s", f"accept_quote:{case_id}:%")
    assert call["state"] == "done"


def test_a_malformed_event_does_not_hold_back_the_next(settings, fake, customer):
    sender, case_id = customer
    odoo_event(settings, "quote.approved", case_id, {"lines": "not a list", "quote": {"amount_total": {}}})
    with db.connect(settings.database_url) as conn:  # data that is not even an object
        insert_event(conn, make_event("warranty.decided", ["?"], subject=f"case/{case_id}", source=ODOO_SOURCE))
    odoo_event(settings, "service.done", case_id, {})
    notify(settings)
    bodies = [m["Body"] for m in sent_to(fake, sender)]
    assert "por confirmar" in bodies[0]  # the odd quote still reads sensibly
    assert "del 1 (mala) al 5" in bodies[1]


def test_a_second_quote_for_the_same_case_can_be_accepted_too(client, settings, fake, customer):
    sender, case_id = customer
    for name in ("S00050", "S00051"):
        odoo_event(settings, "quote.approved", case_id, {"quote": {"name": name, "amount_total": 99}})
        notify(settings)
        assert "Registramos tu aceptación" in say(client, sender, "acepto")[0]
    calls = q(settings, "SELECT dedupe_key FROM wa_odoo_calls WHERE dedupe_key LIKE %s ORDER BY id",
              f"accept_quote:{case_id}:%")
    assert [c["dedupe_key"] for c in calls] == [f"accept_quote:{case_id}:S00050", f"accept_quote:{case_id}:S00051"]
