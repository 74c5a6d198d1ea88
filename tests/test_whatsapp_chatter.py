"""The WhatsApp conversation in Odoo's chatter and staff replies back to the customer, against a real Odoo 19.

Real Postgres, real Odoo (``tests/odoo_server.shared_odoo``), the real twilio library; only Twilio's REST API
and media hosts are the local fake (``tests/fake_twilio.py``). A customer writes on WhatsApp and sends a
photo; two sync passes later the case's chatter holds each message once, the photo attached to the customer's
message. A staff member answers from Odoo: one message reaches Twilio, and the chatter says it was sent; a
reply outside the 24-hour window (no template) is held, Odoo says why, and it goes out when the customer
writes again.
"""

from __future__ import annotations

import hashlib
import re

import psycopg
import pytest
from fastapi.testclient import TestClient

from bridge.app import create_app
from bridge.config import Settings
from bridge.odoo import OdooClient
from tests import fake_twilio
from tests.fake_twilio import JPEG

from .odoo_server import real_backend
from .test_e2e_loop import VIN, as_staff, e2e_settings, notify, q, say, sync_once, work

SENDER = "whatsapp:+5215512345678"  # the demo Corolla's owner, writing from the phone on file


@pytest.fixture(scope="module")
def real():
    return real_backend()


@pytest.fixture(scope="module")
def fake():
    with fake_twilio.running() as server:
        yield server


@pytest.fixture(scope="module")
def settings(real, db_url, tmp_path_factory, fake) -> Settings:
    return e2e_settings(real, db_url, str(tmp_path_factory.mktemp("media")), 97_000)


def staff(settings: Settings, model: str, method: str, **kwargs):
    """A person at the dealer (a postventa administrator's key): the bridge's key may read nothing."""
    with OdooClient(as_staff(settings), retries=1) as odoo:
        return odoo.call(model, method, **kwargs)


def chatter(settings: Settings, case_id: int) -> list[dict]:
    return staff(settings, "mail.message", "search_read", domain=[
        ["model", "=", "postventa.case"], ["res_id", "=", case_id], ["message_type", "=", "comment"]],
        fields=["author_id", "body", "attachment_ids", "parent_id"], order="id")


def ledger(settings: Settings, case_id: int) -> list[dict]:
    return staff(settings, "postventa.whatsapp.message", "search_read", domain=[["case_id", "=", case_id]],
                 fields=["wa_sid", "direction", "origin", "state", "error", "message_id", "reply_key"], order="id")


def reply_from_odoo(settings: Settings, case_id: int, body: str) -> None:
    [wizard] = staff(settings, "postventa.whatsapp.reply", "create", vals_list=[{"case_id": case_id, "body": body}])
    staff(settings, "postventa.whatsapp.reply", "action_send", ids=[wizard])


def test_conversation_in_the_chatter_and_staff_replies_on_whatsapp(settings, fake):
    assert sync_once(settings) == 0  # the fault catalog
    photo = JPEG + b"foto del tablero"
    with TestClient(create_app(settings)) as client:
        say(client, "Hola, buenas tardes", sender=SENDER)  # before the case exists
        say(client, VIN, sender=SENDER)
        say(client, "26,800 km", sender=SENDER)
        proposed = say(client, "se prende el foquito de la batería con el motor prendido", sender=SENDER)
        if "Alternador no carga" not in proposed[0]:
            menu = say(client, "no", sender=SENDER)[0]
            proposed = say(client, re.findall(r"^(\d+)\. Alternador no carga$", menu, re.M)[0], sender=SENDER)
        if "foto" not in proposed[0]:
            say(client, "Sí", sender=SENDER)
        say(client, "aquí va la foto", media=[(fake.add_media(photo, "image/jpeg"), "image/jpeg")], sender=SENDER)
    work(settings)  # downloads the photo; the notifier sends what the assistant queued
    [case] = q(settings, "SELECT * FROM cases WHERE contact_id = %s", SENDER)
    [photo_sid] = [r["message_sid"] for r in q(settings, "SELECT message_sid FROM wa_inbound WHERE num_media = 1 "
                                                         "AND contact_id = %s", SENDER)]
    inbound = q(settings, "SELECT count(*) AS n FROM wa_inbound WHERE contact_id = %s", SENDER)[0]["n"]

    # Two passes (each mirrors what is new; the second finds nothing): every message exactly once.
    assert sync_once(settings) == 0
    odoo_id = q(settings, "SELECT odoo_id FROM cases WHERE id = %s", case["id"])[0]["odoo_id"]
    first = chatter(settings, odoo_id)
    assert sync_once(settings) == 0
    assert chatter(settings, odoo_id) == first
    rows = ledger(settings, odoo_id)
    customer = [r for r in rows if r["origin"] == "customer"]
    assert len(customer) == inbound, rows  # the greeting, sent before the case existed, is there too
    assert len({r["wa_sid"] for r in rows}) == len(rows)
    assert {r["origin"] for r in rows} == {"customer", "bot"}, rows
    [photo_row] = [r for r in rows if r["wa_sid"] == photo_sid]
    [message] = [m for m in first if m["id"] == photo_row["message_id"][0]]
    [partner] = staff(settings, "postventa.case", "read", ids=[odoo_id], fields=["partner_id"])
    assert message["author_id"][0] == partner["partner_id"][0], message  # the customer, not the bridge
    assert "aquí va la foto" in message["body"]
    [attachment] = staff(settings, "ir.attachment", "read", ids=message["attachment_ids"],
                         fields=["checksum", "res_model", "res_id", "mimetype"])
    assert (attachment["res_model"], attachment["res_id"], attachment["mimetype"]) == \
        ("postventa.case", odoo_id, "image/jpeg")
    assert attachment["checksum"] == hashlib.sha1(photo).hexdigest()  # Odoo's own checksum is sha1
    case_files = staff(settings, "ir.attachment", "search_count",
                       domain=[["res_model", "=", "postventa.case"], ["res_id", "=", odoo_id]])
    assert case_files == 1, "the evidence pushed by the sync and the chatter's photo are one file"
    greeting = [m for m in first if "buenas tardes" in m["body"]]
    assert len(greeting) == 1
    assert q(settings, "SELECT count(*) AS n FROM wa_inbound WHERE chatter_mirrored_at IS NULL "
                       "AND contact_id = %s", SENDER)[0]["n"] == 0

    # A staff reply inside the 24-hour window: one message to Twilio, and the chatter says it was sent.
    text = "Hola Juan, ya revisamos tu caso: te esperamos mañana a las 9."
    reply_from_odoo(settings, odoo_id, text)
    for _ in range(2):  # twice everything: still one Twilio message
        assert sync_once(settings) == 0
        notify(settings)
    assert sync_once(settings) == 0
    sent = [m for m in fake.messages if m["To"] == SENDER and m.get("Body") == text]
    assert len(sent) == 1, sent
    [reply] = [r for r in ledger(settings, odoo_id) if r["reply_key"]]
    assert (reply["state"], reply["wa_sid"]) == ("sent", sent[0]["sid"]), reply
    notes = [m for m in chatter(settings, odoo_id) if m["parent_id"] and m["parent_id"][0] == reply["message_id"][0]]
    assert len(notes) == 1 and re.search("Sent on WhatsApp|Enviado por WhatsApp", notes[0]["body"]), notes
    assert sum(text in m["body"] for m in chatter(settings, odoo_id)) == 1, "the reply is not mirrored twice"

    # Outside the window with no approved template: held, Odoo says why; sent once the customer writes.
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        conn.execute("UPDATE wa_contacts SET last_inbound_at = now() - interval '25 hours' WHERE contact_id = %s",
                     (SENDER,))
    late = "¿Pudiste traer el auto?"
    reply_from_odoo(settings, odoo_id, late)
    assert sync_once(settings) == 0
    notify(settings)
    assert sync_once(settings) == 0
    assert not [m for m in fake.messages if m.get("Body") == late]
    [held] = [r for r in ledger(settings, odoo_id) if r["reply_key"] and r["state"] != "sent"]
    assert held["state"] == "held" and "24-hour window" in held["error"], held
    notes = [m for m in chatter(settings, odoo_id) if m["parent_id"] and m["parent_id"][0] == held["message_id"][0]]
    assert len(notes) == 1 and re.search("24 hours|24 horas", notes[0]["body"]), notes
    with TestClient(create_app(settings)) as client:
        say(client, "Sí, mañana lo llevo", sender=SENDER)
    notify(settings)
    assert sync_once(settings) == 0
    assert len([m for m in fake.messages if m.get("Body") == late]) == 1
    [held] = [r for r in ledger(settings, odoo_id) if r["reply_key"] == held["reply_key"]]
    assert held["state"] == "sent", held


def test_refuses_a_reply_for_a_number_that_never_wrote(settings, fake):
    """A case whose WhatsApp number has no conversation in Neon (e.g. typed in by hand): the reply is
    not sendable and Odoo says so, and nothing reaches Twilio."""
    assert sync_once(settings) == 0
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        neon_id = conn.execute("INSERT INTO cases (contact_id, status, customer_name) VALUES "
                               "('whatsapp:+5215511112222', 'open', 'Sin conversación') RETURNING id").fetchone()[0]
    assert sync_once(settings) == 0
    [odoo_id] = q(settings, "SELECT odoo_id FROM cases WHERE id = %s", neon_id)[0].values()
    before = len(fake.messages)
    reply_from_odoo(settings, odoo_id, "Hola")
    assert sync_once(settings) == 0
    notify(settings)
    assert sync_once(settings) == 0
    [reply] = ledger(settings, odoo_id)
    assert reply["state"] == "failed" and "never wrote" in reply["error"], reply
    assert len(fake.messages) == before


def test_two_sync_runners_at_once_mirror_each_message_once(settings, fake):
    """Two runners read the same unmirrored messages and call Odoo at the same time: Odoo serializes them
    per case (the second call is retried by Odoo and finds the messages there); both runners succeed."""
    import argparse
    import threading

    import bridge.sync as sync
    from bridge.sync import chatter as chatter_step
    from bridge.sync.pool import worker_pool

    sender = "whatsapp:+5215519990077"
    with TestClient(create_app(settings)) as client:
        for text in ("Hola", "JTDBR32E230012345", "30,000 km", "hace ruido el motor"):
            say(client, text, sender=sender)
    parser = argparse.ArgumentParser()
    sync.add_arguments(parser)
    assert sync.run(parser.parse_args(["--once", "--quiet", "--max-wait", "0", "--no-whatsapp-chatter"]),
                    settings) == 0  # the case reaches Odoo, its messages do not
    [case] = q(settings, "SELECT id, odoo_id FROM cases WHERE contact_id = %s", sender)
    sids = [r["message_sid"] for r in q(settings, "SELECT message_sid FROM wa_inbound WHERE contact_id = %s", sender)]
    assert len(sids) == 4 and not ledger(settings, case["odoo_id"])

    start, errors, results = threading.Barrier(2), [], []

    def runner() -> None:
        pool = worker_pool(settings.database_url, name="chatter-test")
        try:
            with OdooClient(settings, retries=1) as odoo:
                start.wait()
                results.append(chatter_step.chatter_pass(pool, odoo, media_dir=settings.media_dir))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            pool.close()

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    rows = [r for r in ledger(settings, case["odoo_id"]) if r["origin"] == "customer"]
    assert sorted(r["wa_sid"] for r in rows) == sorted(sids)
    messages = chatter(settings, case["odoo_id"])
    assert len(messages) == len(ledger(settings, case["odoo_id"])), messages
    assert sum(r.mirrored for r in results) == len(messages)  # posted by one runner or the other, never both
