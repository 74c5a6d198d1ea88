"""Identity rule on the bridge side (issue 11 item 3): a plate never reveals another contact's VIN, and
an Odoo decision that says the owner is unverified never reaches the sender as a decision.
The Odoo side and the whole loop with a stranger are in addons/postventa/tests/test_bridge.py
(TestBridgeIdentity) and tests/test_e2e_loop.py.
"""

from __future__ import annotations

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from bridge import db
from bridge.app import create_app
from bridge.cloudevents import insert_event, make_event
from bridge.config import Settings
from bridge.whatsapp import outcomes
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, replies, signed_post, webhook_params

PUBLIC = "https://bridge.example.com"
OWNER = "whatsapp:+5215512340001"
STRANGER = "whatsapp:+5215512340002"
VIN = "JTDBR32E230012345"


@pytest.fixture(scope="module")
def settings(db_url, tmp_path_factory) -> Settings:
    return Settings(database_url=db_url, twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN,
                    public_base_url=PUBLIC, media_dir=str(tmp_path_factory.mktemp("media")))


@pytest.fixture(scope="module")
def client(settings):
    with TestClient(create_app(settings)) as c:
        yield c


def say(client, sender: str, text: str) -> str:
    response = signed_post(client, webhook_params(sender, text), public_url=PUBLIC)
    assert response.status_code == 200, response.text
    return "\n".join(replies(response))


def rows(settings, sql, *args):
    with psycopg.connect(settings.database_url, row_factory=dict_row) as conn:
        return conn.execute(sql, args).fetchall()


def test_a_plate_never_reveals_another_contacts_vin(client, settings):
    say(client, OWNER, "Hola")
    say(client, OWNER, VIN)
    with psycopg.connect(settings.database_url) as conn:  # the owner's case also carries the plate
        conn.execute("UPDATE cases SET plate = 'MNA-123-A' WHERE contact_id = %s", (OWNER,))
    say(client, STRANGER, "Hola")
    answer = say(client, STRANGER, "MNA-123-A")
    assert VIN not in answer and "un asesor confirmará" in answer
    [case] = rows(settings, "SELECT vin, plate FROM cases WHERE contact_id = %s", STRANGER)
    assert (case["vin"], case["plate"]) == (None, "MNA-123-A")
    # The owner, asking again with the plate, gets the VIN they gave.
    say(client, OWNER, "cancelar")
    say(client, OWNER, "Hola")
    assert VIN in say(client, OWNER, "mna 123 a")


def test_an_unverified_owner_decision_reaches_the_sender_as_no_decision(settings):
    [case] = rows(settings, "SELECT id FROM cases WHERE contact_id = %s", STRANGER)
    reasons = [{"code": "owner_unverified", "outcome": "review", "message": "Dueño no verificado", "params": {}},
               {"code": "covered", "outcome": "eligible", "message": "Cubierto por «Básica» hasta …", "params": {}}]
    with db.connect(settings.database_url, autocommit=True) as conn:
        conn.execute("UPDATE cases SET decision = %s, warranty_status = 'review' WHERE id = %s",
                     (Jsonb({"outcome": "review", "reasons": reasons}), case["id"]))
        insert_event(conn, make_event("warranty.decided", {
            "neon_id": case["id"], "outcome": "review", "reasons": reasons, "vin": VIN, "case": "PV/2026/00099",
            "ticket": "GT/2026/00099",
        }, subject=f"case/{case['id']}"))
        assert outcomes.process_events(conn, settings) == 1
    [message] = rows(settings, "SELECT kind, body FROM wa_outbox WHERE contact_id = %s AND kind LIKE 'warranty%%'",
                     STRANGER)
    assert message["kind"] == "warranty_owner_unverified"
    for leak in (VIN, "Cubierto", "GT/", "aplica", "Básica"):
        assert leak not in message["body"]
    assert "confirmará que el vehículo es tuyo" in message["body"]
