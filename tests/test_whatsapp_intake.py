"""Conversation scripts end to end: signed webhook -> Postgres -> media worker -> outbox -> Twilio (local fake)."""

from __future__ import annotations

from dataclasses import replace

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg.rows import dict_row

from bridge import db
from bridge.app import create_app
from bridge.config import Settings
from bridge.whatsapp import media_worker, outbox
from tests import fake_twilio
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, JPEG, MP4, replies, signed_post, webhook_params

PUBLIC = "https://bridge.example.com"
VIN = "JTDKB20U993456789"


@pytest.fixture(scope="module")
def fake():
    with fake_twilio.running() as server:
        yield server


@pytest.fixture(scope="module")
def settings(db_url, tmp_path_factory, fake) -> Settings:
    with psycopg.connect(db_url) as conn:
        conn.execute(
            """INSERT INTO fault_catalog (code, name, system, symptoms, required_evidence) VALUES
               ('FRN-001', 'Ruido o rechinido en frenos', 'frenos', 'rechinan chillan frenos al frenar',
                '["odometer_photo", "noise_video"]'),
               ('MOT-002', 'Fuga de aceite de motor', 'motor', 'manchas de aceite goteo', '["leak_photo"]'),
               ('ELE-003', 'Falla eléctrica del tablero', 'eléctrico', 'testigos encendidos', '[]'),
               ('TST-901', 'Testigo check engine', 'motor', 'check engine',
                '["odometer_photo", "warning_light_photo", "scan_report"]')"""
        )
    return Settings(database_url=db_url, twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN,
                    twilio_whatsapp_from="whatsapp:+14155238886", public_base_url=PUBLIC,
                    media_dir=str(tmp_path_factory.mktemp("media")), media_allow_loopback=True)


@pytest.fixture(scope="module")
def client(settings):
    with TestClient(create_app(settings)) as c:
        yield c


class Chat:
    def __init__(self, client, sender: str):
        self.client, self.sender = client, sender

    def say(self, text: str = "", media=(), sid: str | None = None) -> list[str]:
        response = signed_post(self.client, webhook_params(self.sender, text, media=list(media), sid=sid),
                               public_url=PUBLIC)
        assert response.status_code == 200, response.text
        return replies(response)


def work(settings: Settings) -> None:
    """What `python -m bridge media-worker` does, until nothing is ready."""
    worker = media_worker.Worker(settings, lease_seconds=10, retry_base_seconds=0.01)
    with db.connect(settings.database_url, autocommit=True) as conn:
        while worker.run_one(conn):
            pass
        media_worker.notify_once(conn, settings, outbox.make_client(settings))


def q(settings, sql, *args):
    with psycopg.connect(settings.database_url, row_factory=dict_row) as conn:
        return conn.execute(sql, args).fetchall()


def case_of(settings, sender):
    return q(settings, "SELECT * FROM cases WHERE contact_id = %s ORDER BY id DESC LIMIT 1", sender)[0]


def test_happy_path_to_a_complete_case(client, settings, fake):
    sender = "whatsapp:+5215510000001"
    chat = Chat(client, sender)
    assert "VIN" in chat.say("Hola 👋")[0]
    vin_reply = chat.say(VIN)
    assert "registré el VIN" in vin_reply[0] and "kilómetros" in vin_reply[-1]
    assert "km" in chat.say("45,000 km")[0]
    assert "Ruido o rechinido en frenos" in chat.say("Me rechinan los frenos cuando freno en bajada")[0]
    ask = chat.say("Sí")
    assert "foto del odómetro" in ask[0] and "video" in ask[0]
    photo = fake.add_media(JPEG, "image/jpeg")
    assert "foto del odómetro" in chat.say(media=[(photo, "image/jpeg")])[0]
    video = fake.add_media(MP4, "video/mp4")
    answer = chat.say(media=[(video, "video/mp4")])
    assert "video" in answer[0] and "guardando" in answer[-1]
    case = case_of(settings, sender)
    assert case["status"] == "open"
    work(settings)
    case = case_of(settings, sender)
    assert case["status"] == "complete" and case["intake_completed_at"] is not None
    assert (case["vin"], case["odo_km"], case["falla_tipo"]) == (VIN, 45000, "FRN-001")
    assert sorted(case["evidence_provided"]) == ["noise_video", "odometer_photo"]
    atts = q(settings, "SELECT * FROM case_attachments WHERE case_id = %s ORDER BY id", case["id"])
    assert [a["evidence_kind"] for a in atts] == ["odometer_photo", "noise_video"]
    events = q(settings, "SELECT type FROM events WHERE subject = %s AND type = 'media_processed'",
               f"case/{case['id']}")
    assert len(events) == 2
    sent = fake_twilio.besides_replies(settings.database_url, [m for m in fake.messages if m["To"] == sender])
    assert len(sent) == 1 and f"#{case['id']}" in sent[0]["Body"] and "completo" in sent[0]["Body"]
    assert sent[0]["From"] == "whatsapp:+14155238886"


def test_plate_of_a_known_vehicle_and_a_fault_without_evidence(client, settings):
    chat = Chat(client, "whatsapp:+5215510000002")
    with psycopg.connect(settings.database_url) as conn:
        # The same customer told us this plate's VIN before (a plate alone never reveals another contact's VIN).
        conn.execute("INSERT INTO cases (contact_id, vin, plate) VALUES (%s, %s, 'XYZ-987-B')", (chat.sender, VIN))
    chat.say("Buenas tardes")
    assert VIN in chat.say("xyz 987 b")[0]
    chat.say("80 mil")
    chat.say("se prenden los testigos del tablero")
    done = chat.say("si")
    assert "completo" in done[-1]
    case = case_of(settings, chat.sender)
    assert (case["plate"], case["vin"], case["odo_km"], case["status"]) == ("XYZ-987-B", VIN, 80000, "complete")


def test_bad_vin_then_menu_choice(client, settings):
    chat = Chat(client, "whatsapp:+5215510000003")
    chat.say("hola")
    assert "dígito verificador" in chat.say("1HGCM82633A004353")[0]
    assert "I, O ni Q" in chat.say("1HGCM82633A0O4352")[0]
    chat.say("1HGCM82633A004352")
    chat.say("12000")
    menu = chat.say("algo raro pasa")
    assert "1. Falla eléctrica" in menu[0]
    assert "foto de la fuga" in chat.say("3")[0]
    assert case_of(settings, chat.sender)["falla_tipo"] == "MOT-002"


def test_cancel_and_handoff_at_any_point(client, settings):
    chat = Chat(client, "whatsapp:+5215510000004")
    chat.say("hola")
    chat.say(VIN)
    assert "cancelé" in chat.say("Cancelar")[0]
    cancelled = case_of(settings, chat.sender)
    assert cancelled["status"] == "cancelled"
    chat.say("hola")
    chat.say("ABC-123-A")
    assert "asesor" in chat.say("quiero hablar con un asesor")[0]
    case = case_of(settings, chat.sender)
    assert case["status"] == "handoff" and case["id"] != cancelled["id"]
    assert chat.say("¿sigue ahí?") == []  # a person has it now; the message is stored for them
    # Odoo schedules the advisor's activity and emits case.handoff; the bridge only queues the call
    [call] = q(settings, "SELECT method, kwargs FROM wa_odoo_calls WHERE method = 'bridge_handoff' "
                         "AND (kwargs->>'neon_id')::bigint = %s", case["id"])
    assert call["kwargs"]["note"] == "quiero hablar con un asesor"
    assert q(settings, "SELECT 1 FROM events WHERE type = 'case.handoff'") == []


def test_restart_mid_conversation_keeps_the_state(settings):
    sender = "whatsapp:+5215510000005"
    with TestClient(create_app(settings)) as first:
        Chat(first, sender).say("hola")
        Chat(first, sender).say(VIN)
    with TestClient(create_app(settings)) as second:  # a new process: nothing kept in memory
        assert "km" in Chat(second, sender).say("30000")[0]
    assert case_of(settings, sender)["odo_km"] == 30000


def test_duplicates_and_out_of_order_deliveries_lose_nothing(client, settings):
    chat = Chat(client, "whatsapp:+5215510000006")
    chat.say("hola")
    # The odometer message overtakes the VIN message: the machine asks again, both are kept.
    assert "VIN" in chat.say("45000", sid="SM" + "a" * 32)[0]
    assert "kilómetros" in chat.say(VIN, sid="SM" + "b" * 32)[-1]
    assert chat.say(VIN, sid="SM" + "b" * 32) == []  # redelivery: no-op
    assert "km" in chat.say("45000")[0]
    rows = q(settings, "SELECT message_sid FROM wa_inbound WHERE contact_id = %s", chat.sender)
    assert len(rows) == 4
    case = case_of(settings, chat.sender)
    assert (case["vin"], case["odo_km"]) == (VIN, 45000)
    assert len(q(settings, "SELECT id FROM cases WHERE contact_id = %s", chat.sender)) == 1


def test_question_without_manuals_goes_to_a_person(client, settings):
    chat = Chat(client, "whatsapp:+5215510000007")
    assert "manual" in chat.say("¿Cada cuándo cambio el aceite?")[0]
    work(settings)
    bodies = [r["body"] for r in q(settings, "SELECT body FROM wa_outbox WHERE contact_id = %s", chat.sender)]
    assert any("asesor" in b or "Según el manual" in b for b in bodies)


def test_menu_status(client, settings):
    chat = Chat(client, "whatsapp:+5215510000001")  # the happy-path customer
    chat.say("menu")
    assert "en revisión de garantía" in chat.say("2")[0]


def test_inline_mode_stores_the_media_right_after_answering(settings, fake):
    inline = replace(settings, media_processing="inline")
    with TestClient(create_app(inline)) as c:
        chat = Chat(c, "whatsapp:+5215510000008")
        for text in ("hola", VIN, "10000", "tiene una fuga de aceite", "sí"):
            chat.say(text)
        answer = chat.say(media=[(fake.add_media(JPEG + b"inline", "image/jpeg"), "image/jpeg")])
        assert "foto de la fuga" in answer[0]
    # The answer went out first; the download ran as a background task of the same request.
    case = case_of(settings, chat.sender)
    assert case["status"] == "complete" and case["evidence_provided"] == ["leak_photo"]
    assert any("completo" in m["Body"] for m in fake.messages if m["To"] == chat.sender)


def test_rag_analyzer_matches_what_plain_keywords_miss(client, settings):
    pytest.importorskip("bridge.rag.analyzer")
    chat = Chat(client, "whatsapp:+5215510000009")
    for text in ("hola", VIN, "20000"):
        chat.say(text)
    assert "Fuga de aceite de motor" in chat.say("pierde lubricante")[0]  # synonyms from bridge.rag


def test_the_same_photo_twice_is_credited_once(client, settings, fake):
    """Issue 12.1: a repeat only moves last_seen_at, credits nothing, and the customer is told."""
    chat = Chat(client, "whatsapp:+5215510000012")
    for text in ("hola", VIN, "30000"):
        chat.say(text)
    assert "Testigo check engine" in chat.say("se prendió el testigo check engine")[0]
    ask = chat.say("sí")[0]
    assert "foto de los testigos" in ask and "reporte del escáner" in ask and "_" not in ask
    photo_x = JPEG + b"photo X"
    chat.say(media=[(fake.add_media(photo_x, "image/jpeg"), "image/jpeg")])
    work(settings)
    chat.say(media=[(fake.add_media(photo_x, "image/jpeg"), "image/jpeg")])  # the same bytes again
    work(settings)
    case = case_of(settings, chat.sender)
    assert case["evidence_provided"] == ["odometer_photo"]
    [att] = q(settings, "SELECT * FROM case_attachments WHERE case_id = %s", case["id"])
    assert att["evidence_kind"] == "odometer_photo" and att["last_seen_at"] > att["first_seen_at"]
    bodies = [r["body"] for r in q(settings, "SELECT body FROM wa_outbox WHERE contact_id = %s ORDER BY id",
                                   chat.sender)]
    assert "ya lo había recibido (la foto del odómetro)" in bodies[-2] and "foto de los testigos" in bodies[-1]
    answer = chat.say(media=[(fake.add_media(JPEG + b"photo Y", "image/jpeg"), "image/jpeg")])
    assert "foto de los testigos" in answer[0] and "warning" not in " ".join(answer)
    work(settings)
    case = case_of(settings, chat.sender)
    assert sorted(case["evidence_provided"]) == ["odometer_photo", "warning_light_photo"]
    assert case["status"] == "open"  # the scan report is still missing
