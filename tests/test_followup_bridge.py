"""Follow-up agents on the bridge side: replies in the conversation machine (pure) and followup.sent ->
WhatsApp outbox -> real twilio client against the local fake API (Neon = local Postgres)."""

from __future__ import annotations

import json

import psycopg
import pytest

from bridge import db
from bridge.cloudevents import insert_event, make_event
from bridge.events.schemas import validate_event
from bridge.whatsapp import conversation
from bridge.whatsapp.conversation import Context, Inbound
from tests import test_whatsapp_outcomes as outcomes

# the outcome tests' fixtures (fake Twilio API, settings, app client, a customer with a complete case)
fake, settings, client, customer = outcomes.fake, outcomes.settings, outcomes.client, outcomes.customer
ODOO_SOURCE, notify, q, say, sent_to = outcomes.ODOO_SOURCE, outcomes.notify, outcomes.q, outcomes.say, outcomes.sent_to


def handle(text, state):
    return conversation.handle(dict(state), Inbound(text), Context(faults=[]))


# --- the conversation machine (no I/O) --------------------------------------------------------------

@pytest.mark.parametrize("text, consent", [("baja", False), ("STOP", False), ("No más mensajes!", False),
                                           ("alta", True), ("start", True)])
def test_opt_out_and_back_in_from_any_step(text, consent):
    out = handle(text, {"step": "odometer", "case_id": 7})
    assert out.consent is consent
    assert out.state["step"] == "odometer" and out.state["case_id"] == 7  # the intake is not lost
    assert ("ya no te enviaremos" in out.replies[0]) is (not consent)


def test_agendar_and_ya_lo_hice_answer_a_pending_reminder_only():
    pending = {"step": "done", "followup": {"kind": "service_due", "vehicle_id": 5, "milestone_km": 20000}}
    out = handle("Agendar el sábado a las 10", pending)
    assert out.followup_reply == {"kind": "schedule", "vehicle_id": 5, "milestone_km": 20000,
                                  "text": "Agendar el sábado a las 10"}
    assert "followup" not in out.state and "sábado" in out.replies[0]
    assert handle("ya lo hice", pending).followup_reply["kind"] == "already_done"
    assert handle("agendar", {"step": "done"}).followup_reply is None  # no reminder pending: normal flow


def test_csat_of_a_visit():
    state = {"step": "done", "csat_visit_id": 42}
    out = handle("2", state)
    assert out.followup_reply == {"kind": "csat", "visit_id": 42, "score": 2} and "csat_visit_id" not in out.state
    again = handle("9", state)
    assert again.followup_reply is None and again.state["csat_visit_id"] == 42 and "1 al 5" in again.replies[0]
    assert "csat_visit_id" not in handle("hola", state).state
    assert "csat_visit_id" not in handle("45000", state).state  # a km for a new intake, not a score


# --- followup.sent -> outbox -> Twilio; replies -> Neon + queued Odoo call ---------------------------

def followup_event(settings, number, kind, key, **data):
    event = make_event("followup.sent", {"key": key, "agent": "test", "kind": kind, "contact": number,
                                         "channel": "text", "vars": data.pop("vars", {"1": "Hilux TAX-101-A"}),
                                         **data}, subject="vehicle/X", source=ODOO_SOURCE)
    assert validate_event(event) == []
    with db.connect(settings.database_url) as conn:
        insert_event(conn, event)
    return event


def test_reminder_goes_out_once_and_agendar_reaches_odoo(client, settings, fake, customer):
    sender, _ = customer
    number = sender.removeprefix("whatsapp:")
    remember = {"followup": {"kind": "service_due", "vehicle_id": 9, "milestone_km": 10000}}
    for _ in range(2):  # the same event pulled twice: one message
        followup_event(settings, number, "service_due", "reminder:9:10000",
                       vars={"1": "Hilux TAX-101-A", "2": "10,000", "3": "2030-01-01"}, remember=remember)
    notify(settings)
    [message] = sent_to(fake, sender)
    assert "servicio de 10,000 km" in message["Body"] and "agendar" in message["Body"]
    assert "Un asesor" in say(client, sender, "agendar el lunes 9am")[0]
    [call] = q(settings, "SELECT * FROM wa_odoo_calls WHERE method = 'bridge_followup_reply' "
                         "AND kwargs->>'contact' = %s", number)
    assert call["model"] == "postventa.agent"
    assert call["kwargs"] == {"contact": number, "kind": "schedule", "vehicle_id": 9, "milestone_km": 10000,
                              "text": "agendar el lunes 9am"}


def test_csat_question_score_lands_in_neon_and_is_queued_for_odoo(client, settings, fake, customer):
    sender, case_id = customer
    number = sender.removeprefix("whatsapp:")
    event = make_event("service.done", {"case": "SV/1", "neon_id": case_id, "csat": "agent"},
                       subject=f"case/{case_id}", source=ODOO_SOURCE)
    with db.connect(settings.database_url) as conn:
        insert_event(conn, event)
    notify(settings)
    assert sent_to(fake, sender) == [], "the CSAT agent asks later, not the bridge at once"
    visit_id = case_id + 7000
    followup_event(settings, number, "csat_request", f"csat:{visit_id}", remember={"csat_visit_id": visit_id})
    notify(settings)
    assert "del 1 (mala) al 5" in sent_to(fake, sender)[0]["Body"]
    assert "calificación de 2" in say(client, sender, "2")[0]
    assert q(settings, "SELECT score FROM followup_csat WHERE visit_id = %s", case_id + 7000)[0]["score"] == 2
    [call] = q(settings, "SELECT kwargs FROM wa_odoo_calls WHERE kwargs->>'kind' = 'csat' AND kwargs->>'contact' = %s",
               number)
    assert call["kwargs"]["score"] == 2 and call["kwargs"]["visit_id"] == case_id + 7000


def test_baja_is_honoured_by_the_bridge_at_once_and_queued_for_odoo(client, settings, fake, customer):
    sender, _ = customer
    number = sender.removeprefix("whatsapp:")
    assert "ya no te enviaremos" in say(client, sender, "baja")[0]
    [call] = q(settings, "SELECT kwargs FROM wa_odoo_calls WHERE kwargs->>'kind' = 'consent' "
                         "AND kwargs->>'contact' = %s", number)
    assert call["kwargs"]["opted_in"] is False
    followup_event(settings, number, "coverage_inspection", "coverage:1:basic", vars={"1": "Yaris", "2": "2030-01-01"})
    notify(settings)
    assert sent_to(fake, sender) == []
    say(client, sender, "alta")
    followup_event(settings, number, "coverage_inspection", "coverage:1:basic:2",
                   vars={"1": "Yaris", "2": "2030-01-01"})
    notify(settings)
    assert "inspección" in sent_to(fake, sender)[0]["Body"]


def test_outside_the_window_the_followup_goes_as_its_template(client, settings, fake, customer, monkeypatch):
    sender, _ = customer
    with psycopg.connect(settings.database_url) as conn:
        conn.execute("UPDATE wa_contacts SET last_inbound_at = now() - interval '2 days' WHERE contact_id = %s",
                     (sender,))
    monkeypatch.setenv("TWILIO_TEMPLATE_QUOTE_REMINDER", "HX" + "b" * 32)
    followup_event(settings, sender.removeprefix("whatsapp:"), "quote_reminder", "quote_reminder:77",
                   vars={"1": "S00077", "2": "https://odoo.example.mx/my/orders/77"},
                   portal_url="https://odoo.example.mx/my/orders/77")
    notify(settings)
    [template] = sent_to(fake, sender)
    assert template["ContentSid"] == "HX" + "b" * 32
    assert json.loads(template["ContentVariables"]) == {"1": "S00077", "2": "https://odoo.example.mx/my/orders/77"}
