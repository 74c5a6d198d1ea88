"""POST /twilio/whatsapp: signatures, dev-token mode, and bad input (4xx or a polite reply, never 500)."""

from __future__ import annotations

import threading
from dataclasses import replace
from urllib.parse import urlencode

import psycopg
import pytest
from fastapi.testclient import TestClient

from bridge import db
from bridge.app import create_app
from bridge.config import Settings
from bridge.whatsapp import inbound
from bridge.whatsapp.signature import DEV_AUTH_TOKEN
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, replies, signed_post, webhook_params

PUBLIC = "https://bridge.example.com"
VIN = "JTDKB20U993456789"


@pytest.fixture(scope="module")
def settings(db_url, tmp_path_factory) -> Settings:
    return Settings(database_url=db_url, twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN,
                    twilio_whatsapp_from="whatsapp:+14155238886", public_base_url=PUBLIC,
                    media_dir=str(tmp_path_factory.mktemp("media")))


@pytest.fixture(scope="module")
def client(settings):
    with TestClient(create_app(settings), raise_server_exceptions=True) as c:
        yield c


def _count(db_url: str, sql: str, *args) -> int:
    with psycopg.connect(db_url) as conn:
        return conn.execute(sql, args).fetchone()[0]


def test_valid_signature_answers_twiml(client):
    response = signed_post(client, webhook_params(body="Hola"), public_url=PUBLIC)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    assert "VIN" in replies(response)[0]


def test_tampered_body_is_403(client, db_url):
    params = webhook_params(body="Hola")
    from twilio.request_validator import RequestValidator

    sig = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC + "/twilio/whatsapp", params)
    params["Body"] = "Hola, soy otro"
    response = client.post("/twilio/whatsapp", data=params, headers={"X-Twilio-Signature": sig})
    assert response.status_code == 403
    assert _count(db_url, "SELECT count(*) FROM wa_inbound WHERE message_sid = %s", params["MessageSid"]) == 0


def test_signature_for_another_url_is_403(client):
    response = signed_post(client, webhook_params(body="Hola"), public_url="https://evil.example.com")
    assert response.status_code == 403


def test_missing_header_is_403(client):
    response = client.post("/twilio/whatsapp", data=webhook_params(body="Hola"))
    assert response.status_code == 403
    assert AUTH_TOKEN not in response.text


def test_proxy_scheme_mismatch_uses_the_public_url(client):
    # The app sees http://testserver (TLS ended at the proxy); Twilio signed https://bridge.example.com.
    seen_by_app = signed_post(client, webhook_params(body="Hola"), public_url="http://testserver")
    assert seen_by_app.status_code == 403
    public = signed_post(client, webhook_params(body="Hola"), public_url=PUBLIC,
                         headers={"X-Forwarded-Proto": "https", "Host": "internal:8000"})
    assert public.status_code == 200


def test_token_never_logged(client, caplog):
    caplog.set_level("DEBUG")
    client.post("/twilio/whatsapp", data=webhook_params(body="Hola"), headers={"X-Twilio-Signature": "bad"})
    assert AUTH_TOKEN not in caplog.text
    assert "bad or missing signature" in caplog.text


def test_duplicate_delivery_is_a_no_op_answering_200(client, db_url):
    params = webhook_params(sender="whatsapp:+5215500000001", body="Hola")
    first = signed_post(client, params, public_url=PUBLIC)
    second = signed_post(client, params, public_url=PUBLIC)
    assert first.status_code == second.status_code == 200
    assert replies(first) and replies(second) == []
    assert _count(db_url, "SELECT count(*) FROM wa_inbound WHERE message_sid = %s", params["MessageSid"]) == 1


def test_concurrent_duplicates_store_one_message(client, db_url):
    params = webhook_params(sender="whatsapp:+5215500000002", body="Hola")
    results = []

    def deliver():
        results.append(signed_post(client, params, public_url=PUBLIC, process=False))

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status_code for r in results] == [200] * 4
    assert _count(db_url, "SELECT count(*) FROM wa_inbound WHERE message_sid = %s", params["MessageSid"]) == 1
    # Two inbound processors at once (as two media workers would): the message is conversed once.
    processed = []

    def process():
        with db.connect(db_url, autocommit=True) as conn:
            processed.extend(inbound.process_pending(conn))

    workers = [threading.Thread(target=process) for _ in range(2)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    assert [r.sid for r in processed if r.sid == params["MessageSid"]] == [params["MessageSid"]]
    assert _count(db_url, "SELECT count(*) FROM wa_outbox WHERE dedupe_key LIKE %s",
                  f"reply:{params['MessageSid']}:%") == len(processed[0].replies) == 1


def test_the_ack_is_one_statement_and_the_conversation_runs_later(client, db_url):
    """The webhook stores the raw message and answers an empty TwiML; the reply is queued by the
    inbound processor, in arrival order per contact."""
    sender = "whatsapp:+5215500000009"
    first, second = webhook_params(sender=sender, body="Hola"), webhook_params(sender=sender, body=VIN)
    for params in (first, second):
        response = signed_post(client, params, public_url=PUBLIC, process=False)
        assert response.status_code == 200 and replies(response) == []
    assert _count(db_url, "SELECT count(*) FROM wa_inbound WHERE contact_id = %s AND processed_at IS NULL",
                  sender) == 2
    with db.connect(db_url, autocommit=True) as conn:
        done = inbound.process_pending(conn)
    assert [r.sid for r in done] == [first["MessageSid"], second["MessageSid"]]
    assert "VIN" in done[0].replies[0] and done[1].case_id
    assert _count(db_url, "SELECT count(*) FROM wa_inbound WHERE contact_id = %s AND processed_at IS NULL",
                  sender) == 0


def test_a_message_that_breaks_processing_is_set_aside_and_the_contact_goes_on(client, db_url):
    sender = "whatsapp:+5215500000010"
    bad, good = webhook_params(sender=sender, body="Hola"), webhook_params(sender=sender, body="Hola")
    for params in (bad, good):
        assert signed_post(client, params, public_url=PUBLIC, process=False).status_code == 200
    with psycopg.connect(db_url) as conn:  # a row the machine cannot read (e.g. written by a newer version)
        conn.execute("UPDATE wa_inbound SET params = '[]'::jsonb WHERE message_sid = %s", (bad["MessageSid"],))
    with db.connect(db_url, autocommit=True) as conn:
        done = inbound.process_pending(conn)
    assert [r.sid for r in done].count(bad["MessageSid"]) == inbound.MAX_PROCESS_ATTEMPTS
    assert done[-1].sid == good["MessageSid"] and done[-1].replies
    with psycopg.connect(db_url) as conn:
        row = conn.execute("SELECT processed_at, last_error FROM wa_inbound WHERE message_sid = %s",
                           (bad["MessageSid"],)).fetchone()
    assert row[0] is not None and "AttributeError" in row[1]


@pytest.mark.parametrize("mutate, status", [
    (lambda p: p.pop("MessageSid"), 400),
    (lambda p: p.update(MessageSid="not-a-sid"), 400),
    (lambda p: p.pop("From"), 400),
    (lambda p: p.update(NumMedia="11"), 400),
    (lambda p: p.update(NumMedia="dos"), 400),
])
def test_malformed_fields_are_4xx(client, mutate, status):
    params = webhook_params(body="Hola")
    mutate(params)
    assert signed_post(client, params, public_url=PUBLIC).status_code == status


def test_wrong_content_type_and_bad_encoding(client):
    assert client.post("/twilio/whatsapp", json={"Body": "x"}).status_code == 415
    raw = b"Body=%FF%FE&MessageSid=SM" + b"0" * 32
    response = client.post("/twilio/whatsapp", content=raw,
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 400
    huge = urlencode({"Body": "x" * 70_000}).encode()
    response = client.post("/twilio/whatsapp", content=huge,
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413


def test_sms_sender_gets_a_polite_reply_and_is_kept(client, db_url):
    params = webhook_params(sender="+5215512345678", body="Hola")
    response = signed_post(client, params, public_url=PUBLIC)
    assert response.status_code == 200
    assert "WhatsApp" in replies(response)[0]
    assert _count(db_url, "SELECT count(*) FROM wa_inbound WHERE message_sid = %s", params["MessageSid"]) == 1


@pytest.mark.parametrize("body", ["", "🚗🔧😡" * 50, "á" * 5000, "<Response>&amp;</Response>"])
def test_odd_bodies_get_a_reply_never_500(client, body):
    params = webhook_params(sender="whatsapp:+5215500000003", body=body)
    response = signed_post(client, params, public_url=PUBLIC)
    assert response.status_code == 200
    assert replies(response)


def test_ten_media_at_once_are_all_queued(client, db_url):
    media = [(f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/MM1/Media/ME{i}", "image/jpeg")
             for i in range(10)]
    params = webhook_params(sender="whatsapp:+5215500000004", media=media)
    response = signed_post(client, params, public_url=PUBLIC)
    assert response.status_code == 200
    assert _count(db_url, "SELECT count(*) FROM wa_jobs WHERE kind = 'media' AND payload->>'message_sid' = %s",
                  params["MessageSid"]) == 10


def test_without_token_only_local_dev_signing_is_accepted(settings):
    local = replace(settings, twilio_auth_token="", twilio_account_sid="", public_base_url="http://127.0.0.1:8000")
    with TestClient(create_app(local), client=("127.0.0.1", 50000)) as c:
        ok = signed_post(c, webhook_params(sender="whatsapp:+5215500000005", body="Hola"),
                         public_url="http://127.0.0.1:8000", token=DEV_AUTH_TOKEN)
        assert ok.status_code == 200
        unsigned = c.post("/twilio/whatsapp", data=webhook_params(body="Hola"))
        assert unsigned.status_code == 403
    with TestClient(create_app(local), client=("203.0.113.9", 50000)) as c:
        remote = signed_post(c, webhook_params(body="Hola"), public_url="http://127.0.0.1:8000",
                             token=DEV_AUTH_TOKEN)
        assert remote.status_code == 503
    public = replace(local, public_base_url=PUBLIC)
    with TestClient(create_app(public), client=("127.0.0.1", 50000)) as c:
        response = signed_post(c, webhook_params(body="Hola"), public_url=PUBLIC, token=DEV_AUTH_TOKEN)
        assert response.status_code == 503
        assert "TWILIO_AUTH_TOKEN" in response.text


def test_random_conversations_never_500(client, db_url):
    import random

    rng = random.Random(20261126)
    texts = ["hola", "JTDKB20U993456789", "1HGCM82633A004353", "ABC-123-A", "45 mil", "sí", "no", "3", "9",
             "cancelar", "menú", "asesor", "acepto", "cotizar", "5", "¿cada cuándo cambio el aceite?", "", "🚗" * 30,
             "x" * 3000, "rechinan los frenos", "nuevo", "listo", "\u0000\u202e", "1", "2", "4"]
    media = [(f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/MM1/Media/ME{i}", ctype)
             for i, ctype in enumerate(["image/jpeg", "video/mp4", "application/pdf", "", "text/html"])]
    sids = []
    for _ in range(150):
        sender = f"whatsapp:+52155990000{rng.randint(0, 4)}"
        chosen = rng.sample(media, rng.choice([0, 0, 0, 1, 2, 5]))
        sid = rng.choice(sids) if sids and rng.random() < 0.1 else None
        params = webhook_params(sender, rng.choice(texts), media=chosen, sid=sid)
        sids.append(params["MessageSid"])
        assert signed_post(client, params, public_url=PUBLIC).status_code == 200
    assert _count(db_url, "SELECT count(*) FROM wa_inbound WHERE contact_id LIKE 'whatsapp:+52155990000%%'") \
        == len(set(sids))
