"""The customer's app API (/app/api): identity, scoping, evidence through the media pipeline, quotes, requests.

Customers are made through the WhatsApp webhook (the real intake); what Odoo later decides is written the way
the sync writes it back (decision, ticket, quote), and Odoo's ``quote.approved`` is an event in the feed.
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import json
import time
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg.rows import dict_row

from bridge import customer_token, db
from bridge.__main__ import main as cli
from bridge.app import create_app
from bridge.cloudevents import insert_event, make_event
from bridge.config import Settings
from tests import fake_twilio
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, JPEG, signed_post, webhook_params

PUBLIC = "https://bridge.example.com"
SECRET = "s" * 40
STATIC = Path(__file__).resolve().parent.parent / "bridge" / "app_pwa" / "static"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(200))
_n = itertools.count()


@pytest.fixture(scope="module")
def fake():
    with fake_twilio.running() as server:
        yield server


@pytest.fixture(scope="module")
def settings(db_url, tmp_path_factory, fake) -> Settings:
    return Settings(database_url=db_url, twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN,
                    twilio_whatsapp_from="+14155238886", public_base_url=PUBLIC, customer_token_secret=SECRET,
                    media_dir=str(tmp_path_factory.mktemp("media")), media_allow_loopback=True)


@pytest.fixture(scope="module")
def client(settings):
    with TestClient(create_app(settings)) as c:
        yield c


def q(url: str, sql: str, *args):
    with psycopg.connect(url, row_factory=dict_row, autocommit=True) as conn:
        cur = conn.execute(sql, args)
        return cur.fetchall() if cur.description else None


def make_customer(client, url: str, *, evidence=("odometer_photo", "damage_photo"), public: str = PUBLIC):
    """A WhatsApp customer with one complete intake; its case then asks for ``evidence`` (as a fault would)."""
    sender = f"whatsapp:+5215530{next(_n):06d}"
    for text in ("hola", "JTDKB20U993456789", "30000", "algo extraño", "1"):
        assert signed_post(client, webhook_params(sender, text), public_url=public).status_code == 200
    [case] = q(url, "SELECT id FROM cases WHERE contact_id = %s", sender)
    q(url, "UPDATE cases SET evidence_required = %s::jsonb, status = 'evidence', odoo_id = %s, odoo_ref = %s "
      "WHERE id = %s", json.dumps(list(evidence)), 5000 + case["id"], f"PV/2026/{case['id']:05d}", case["id"])
    return sender, case["id"]


def decide(url: str, case_id: int, outcome: str, reasons=(), ticket: str | None = None) -> None:
    """What the sync writes back from Odoo's decision."""
    q(url, "UPDATE cases SET warranty_status = %s, decision = %s::jsonb, ticket = %s::jsonb, odoo_state = 'evaluated' "
      "WHERE id = %s", outcome, json.dumps({"outcome": outcome, "reasons": list(reasons)}),
      json.dumps({"name": ticket, "state": "open"}) if ticket else None, case_id)


def approve_quote(url: str, case_id: int, name: str = "S00077") -> None:
    """Purchasing approved a quote: the sync's copy on the case and Odoo's quote.approved event."""
    quote = {"id": 77, "name": name, "state": "sent", "approval_state": "approved", "amount_untaxed": 1000.0,
             "amount_total": 1160.0, "currency": "MXN", "validity_date": None}
    q(url, "UPDATE cases SET quote = %s::jsonb WHERE id = %s", json.dumps(quote), case_id)
    lines = [{"product": "Balatas delanteras", "part_number": "04465-02220", "qty": 1, "price_unit": 700.0,
              "subtotal": 700.0, "is_labor": False, "supplier": "Refaccionaria Norte", "supplier_id": 9},
             {"product": "Mano de obra", "qty": 1.5, "price_unit": 200.0, "subtotal": 300.0, "is_labor": True}]
    event = make_event("quote.approved", {"case": f"PV/2026/{case_id:05d}", "neon_id": case_id, "quote": quote,
                                          "lines": lines}, subject=f"case/{case_id}", source="urn:postventa:odoo")
    with db.connect(url) as conn:
        insert_event(conn, event)


def bearer(contact: str, ttl: int = 3600, now: float | None = None, secret: str = SECRET) -> dict:
    return {"Authorization": f"Bearer {customer_token.issue(secret, contact, ttl, now=now)}"}


# ---- identity: forged, expired, revoked, other contact ------------------------------------------

def test_a_customer_sees_only_their_own_cases(client, settings):
    alice, alice_case = make_customer(client, settings.database_url)
    _bob, bob_case = make_customer(client, settings.database_url)
    me = client.get("/app/api/me", headers=bearer(alice))
    assert me.status_code == 200, me.text
    assert [c["id"] for c in me.json()["cases"]] == [alice_case]
    assert me.json()["contact"].endswith(alice[-2:]) and alice[-8:-2] not in me.json()["contact"]
    # Bob's case id with Alice's token: 404 on every route, and nothing is written.
    for method, path in (("get", f"/app/api/cases/{bob_case}"), ("post", f"/app/api/cases/{bob_case}/quote/accept"),
                         ("post", f"/app/api/cases/{bob_case}/quote-request"),
                         ("get", f"/app/api/cases/{bob_case}/spareparts")):
        assert getattr(client, method)(path, headers=bearer(alice)).status_code == 404, path
    r = client.post(f"/app/api/cases/{bob_case}/evidence?kind=odometer_photo", content=JPEG,
                    headers={**bearer(alice), "Content-Type": "image/jpeg"})
    assert r.status_code == 404
    assert q(settings.database_url, "SELECT count(*) AS n FROM case_attachments WHERE case_id = %s",
             bob_case)[0]["n"] == 0


def test_forged_expired_and_missing_tokens_are_refused(client, settings):
    alice, _ = make_customer(client, settings.database_url)
    good = customer_token.issue(SECRET, alice, 3600)
    head, payload, mac = good.split(".")
    other = customer_token.issue(SECRET, "whatsapp:+5215599999999", 3600).split(".")[1]
    cases = {
        "no token": {},
        "other secret": bearer(alice, secret="x" * 40),
        "payload swapped": {"Authorization": f"Bearer {head}.{other}.{mac}"},
        "signature cut": {"Authorization": f"Bearer {head}.{payload}.{mac[:-2]}"},
        "expired": bearer(alice, ttl=60, now=time.time() - 120),
        "admin-looking": {"Authorization": "Bearer not-a-token"},
    }
    for why, headers in cases.items():
        r = client.get("/app/api/me", headers=headers)
        assert r.status_code == 401, why
        assert "cases" not in r.text


def test_revoking_a_contact_refuses_every_link_issued_before(client, settings, capsys, monkeypatch):
    alice, _ = make_customer(client, settings.database_url)
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CUSTOMER_TOKEN_SECRET", SECRET)
    monkeypatch.setenv("PUBLIC_BASE_URL", PUBLIC)
    assert cli(["app-link", alice, "--ttl-hours", "2"]) == 0
    link = capsys.readouterr().out.strip()
    assert link.startswith(f"{PUBLIC}/app/#t=v1.")
    token = link.split("#t=", 1)[1]
    claims = customer_token.verify(SECRET, token)
    assert claims.contact_id == alice and 7100 < claims.expires_at - claims.issued_at <= 7200
    assert client.get("/app/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    time.sleep(1.01)  # tokens carry whole seconds: the revocation covers the second it happens in
    assert cli(["app-link", alice, "--revoke"]) == 0
    assert client.get("/app/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    time.sleep(1.01)
    assert client.get("/app/api/me", headers=bearer(alice)).status_code == 200  # a new link works again
    assert cli(["app-link", "5215512345678"]) == 2  # not a stored contact form


def test_requests_are_rate_limited_per_contact(settings):
    alice = "whatsapp:+5215577777777"
    from bridge.app_pwa import auth

    with TestClient(create_app(settings)) as own:  # its own limiters, with a clock that does not move
        own.app.state.app_rate_limiters = {"contact": auth.RateLimiter(clock=lambda: 0.0),
                                           "ip": auth.RateLimiter(auth.IP_RATE_PER_MINUTE, auth.IP_BURST,
                                                                  clock=lambda: 0.0)}
        codes = [own.get("/app/api/me", headers=bearer(alice)).status_code for _ in range(40)]
        retry_after = own.get("/app/api/me", headers=bearer(alice)).headers["retry-after"]
    assert codes == [200] * 30 + [429] * 10 and int(retry_after) >= 1


# ---- what the customer sees ------------------------------------------------------------------------

def test_case_view_in_plain_spanish_with_timeline_checklist_reasons_and_ticket(client, settings):
    alice, case_id = make_customer(client, settings.database_url)
    decide(settings.database_url, case_id, "eligible", ticket=f"GT/2026/{case_id:05d}")
    [case] = client.get("/app/api/me", headers=bearer(alice)).json()["cases"]
    assert [s["key"] for s in case["timeline"]] == ["received", "evidence", "evaluated", "in_progress", "done"]
    assert case["ticket"] == f"GT/2026/{case_id:05d}"
    assert case["missing"] == ["Foto del odómetro", "Foto del daño"]
    assert [s["done"] for s in case["timeline"]] == [True, False, True, True, False]  # ticket open, evidence due
    assert case["decision"]["title"].startswith("Tu reparación está cubierta")
    bob, bob_case = make_customer(client, settings.database_url)
    decide(settings.database_url, bob_case, "no_eligible",
           reasons=[{"code": "km_exceeded", "message": "superó 100,000 km"}, {"code": "x", "message": "Otra razón"}])
    [case] = client.get("/app/api/me", headers=bearer(bob)).json()["cases"]
    assert case["ticket"] is None and case["can_request_quote"] is True
    assert case["decision"]["reasons"] == [
        "Tu vehículo superó el kilometraje que cubre la garantía para esta pieza.", "Otra razón"]
    assert "odoo_id" not in json.dumps(case) and "5000" not in json.dumps(case["vehicle"])


# ---- evidence through the media pipeline -------------------------------------------------------------

def test_evidence_upload_checks_bytes_dedupes_and_completes_the_checklist(client, settings):
    alice, case_id = make_customer(client, settings.database_url)
    url = f"/app/api/cases/{case_id}/evidence"
    jpeg = {**bearer(alice), "Content-Type": "image/jpeg"}
    assert client.post(url + "?kind=odometer_photo", content=b"GIF89a" + JPEG, headers=jpeg).status_code == 415
    assert client.post(url + "?kind=odometer_photo", content=JPEG,
                       headers={**bearer(alice), "Content-Type": "image/gif"}).status_code == 415
    assert client.post(url + "?kind=not_asked", content=JPEG, headers=jpeg).status_code == 422
    first = client.post(url + "?kind=odometer_photo", content=JPEG, headers=jpeg)
    assert first.status_code == 201, first.text
    again = client.post(url + "?kind=odometer_photo", content=JPEG, headers=jpeg)
    assert first.json()["duplicate"] is False and again.json()["duplicate"] is True
    [row] = q(settings.database_url, "SELECT sha256, storage_path, source_url, first_seen_at < last_seen_at AS moved "
              "FROM case_attachments WHERE case_id = %s", case_id)
    assert row["sha256"] == hashlib.sha256(JPEG).hexdigest() and row["moved"] and row["source_url"] == "app:upload"
    assert (Path(settings.media_dir) / row["storage_path"]).read_bytes() == JPEG
    events = q(settings.database_url, "SELECT data FROM events WHERE type = 'media_processed' AND subject = %s",
               f"case/{case_id}")
    assert len(events) == 1 and events[0]["data"]["duplicate"] is False  # a re-sent file (offline queue) adds none
    done = client.post(url + "?kind=damage_photo", content=PNG, headers={**bearer(alice), "Content-Type": "image/png"})
    assert done.json()["case"]["missing"] == [] and done.json()["case"]["timeline"][1]["done"] is True
    [case] = q(settings.database_url, "SELECT status, evidence_provided FROM cases WHERE id = %s", case_id)
    assert case["status"] == "complete" and sorted(case["evidence_provided"]) == ["damage_photo", "odometer_photo"]


def test_an_oversized_upload_is_refused_before_it_is_stored(client, settings):
    alice, case_id = make_customer(client, settings.database_url)
    big = JPEG[:4] + b"\x00" * (5 * 1024 * 1024)
    r = client.post(f"/app/api/cases/{case_id}/evidence", content=big,
                    headers={**bearer(alice), "Content-Type": "image/jpeg"})
    assert r.status_code == 413
    assert q(settings.database_url, "SELECT count(*) AS n FROM case_attachments WHERE case_id = %s",
             case_id)[0]["n"] == 0


# ---- quotes: same path as "acepto" ----------------------------------------------------------------------

def test_accepting_in_the_app_queues_the_same_odoo_call_as_acepto(client, settings):
    alice, case_id = make_customer(client, settings.database_url)
    decide(settings.database_url, case_id, "no_eligible")
    assert client.post(f"/app/api/cases/{case_id}/quote/accept", headers=bearer(alice)).status_code == 409
    approve_quote(settings.database_url, case_id)
    [case] = client.get("/app/api/me", headers=bearer(alice)).json()["cases"]
    quote = case["quote"]
    assert (quote["amount_untaxed"], quote["taxes"], quote["amount_total"]) == (1000.0, 160.0, 1160.0)
    assert [line["labor"] for line in quote["lines"]] == [False, True] and quote["can_answer"]
    r = client.post(f"/app/api/cases/{case_id}/quote/accept", headers=bearer(alice))
    assert r.status_code == 202 and r.json()["case"]["quote"]["accepted"] is True
    client.post(f"/app/api/cases/{case_id}/quote/accept", headers=bearer(alice))  # twice: one call
    calls = q(settings.database_url,
              "SELECT dedupe_key, method, kwargs FROM wa_odoo_calls WHERE kwargs->>'neon_id' = %s", str(case_id))
    assert calls == [{"dedupe_key": f"accept_quote:{case_id}:S00077", "method": "bridge_accept_quote",
                      "kwargs": {"neon_id": case_id}}]
    # The bridge emits no quote.accepted of its own: Odoo stays its one producer.
    assert q(settings.database_url, "SELECT count(*) AS n FROM events WHERE type = 'quote.accepted'")[0]["n"] == 0


def test_declining_is_recorded_for_staff_and_asks_an_advisor(client, settings):
    alice, case_id = make_customer(client, settings.database_url)
    decide(settings.database_url, case_id, "no_eligible")
    approve_quote(settings.database_url, case_id, "S00088")
    r = client.post(f"/app/api/cases/{case_id}/quote/decline", headers=bearer(alice))
    assert r.status_code == 202 and r.json()["case"]["quote"]["can_answer"] is False
    [req] = q(settings.database_url, "SELECT kind, state FROM app_requests WHERE case_id = %s", case_id)
    assert req == {"kind": "quote_declined", "state": "open"}
    [call] = q(settings.database_url, "SELECT method FROM wa_odoo_calls WHERE kwargs->>'neon_id' = %s", str(case_id))
    assert call["method"] == "bridge_handoff"


def test_requesting_a_quote_uses_the_whatsapp_dedupe_key(client, settings):
    alice, case_id = make_customer(client, settings.database_url)
    assert client.post(f"/app/api/cases/{case_id}/quote-request", headers=bearer(alice)).status_code == 409
    decide(settings.database_url, case_id, "no_eligible")
    for _ in range(2):
        r = client.post(f"/app/api/cases/{case_id}/quote-request", headers=bearer(alice))
        assert r.status_code == 202 and r.json()["case"]["quote_requested"] is True
    assert [c["dedupe_key"] for c in q(settings.database_url, "SELECT dedupe_key FROM wa_odoo_calls WHERE "
                                       "method = 'bridge_request_quote' AND kwargs->>'neon_id' = %s", str(case_id))] \
        == [f"request_quote:{case_id}"]


# ---- data and erasure ----------------------------------------------------------------------------------

def test_my_data_and_an_erasure_request_recorded_not_executed(client, settings):
    alice, case_id = make_customer(client, settings.database_url)
    data = client.get("/app/api/my-data", headers=bearer(alice)).json()
    assert data["messages"] == 5 and [c["id"] for c in data["cases"]] == [case_id]
    assert data["erasure_requested_at"] is None
    for _ in range(2):
        assert client.post("/app/api/erasure-request", headers=bearer(alice)).status_code == 202
    assert len(q(settings.database_url, "SELECT 1 FROM app_requests WHERE contact_id = %s AND kind = 'erasure'",
                 alice)) == 1
    assert q(settings.database_url, "SELECT count(*) AS n FROM cases WHERE contact_id = %s", alice)[0]["n"] == 1
    assert client.get("/app/api/my-data", headers=bearer(alice)).json()["erasure_requested_at"]


# ---- the shell ------------------------------------------------------------------------------------------

def test_shell_manifest_and_service_worker_are_served_at_their_contract_paths(client):
    index = client.get("/app/")
    assert index.status_code == 200 and '<html lang="es-MX">' in index.text
    assert "script-src 'self'" in index.headers["content-security-policy"]
    manifest = client.get("/app/manifest.webmanifest")
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    body = manifest.json()
    assert body["start_url"] == "/app/" and body["lang"] == "es-MX" and body["display"] == "standalone"
    assert {"192x192", "512x512"} <= {i["sizes"] for i in body["icons"]}
    for icon in body["icons"]:
        assert client.get(icon["src"]).status_code == 200
    sw = client.get("/app/sw.js")
    assert sw.status_code == 200 and sw.headers["service-worker-allowed"] == "/app/"
    assert "javascript" in sw.headers["content-type"]


def test_total_javascript_is_under_100_kb_gzipped():
    scripts = sorted(STATIC.glob("*.js"))
    assert {p.name for p in scripts} == {"app.js", "sw.js"}
    total = sum(len(gzip.compress(p.read_bytes(), 9)) for p in scripts)
    print(f"app JS: {total} bytes gzipped (limit 102400)")
    assert total <= 100 * 1024


def test_make_run_demo_customer_gets_one_case_and_a_working_link(client, settings, capsys, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CUSTOMER_TOKEN_SECRET", SECRET)
    demo = "whatsapp:+5215550000001"
    for _ in range(2):
        assert cli(["app-link", demo, "--demo"]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1].split("#t=", 1)[1]
    [case] = client.get("/app/api/me", headers={"Authorization": f"Bearer {token}"}).json()["cases"]
    assert case["missing"] and case["decision"]["outcome"] == "pending"
    monkeypatch.delenv("CUSTOMER_TOKEN_SECRET")
    assert cli(["app-link", demo]) == 2  # no secret, no link


def test_erase_contact_closes_the_apps_erasure_request_and_keeps_no_phone_number(client, settings):
    from bridge.privacy import erase_contact

    alice, _ = make_customer(client, settings.database_url)
    assert client.post("/app/api/erasure-request", headers=bearer(alice)).status_code == 202
    q(settings.database_url, "INSERT INTO app_access (contact_id, links_issued) VALUES (%s, 1)", alice)
    with db.connect(settings.database_url, autocommit=True) as conn:
        counts = erase_contact(conn, alice, settings.media_dir)
    assert counts["app_requests"] == 1 and counts["app_access"] == 1
    assert q(settings.database_url, "SELECT 1 FROM app_requests WHERE contact_id = %s", alice) == []
    assert q(settings.database_url, "SELECT state FROM app_requests WHERE contact_id LIKE 'erased:%%' AND "
             "kind = 'erasure'") == [{"state": "done"}]
    assert client.get("/app/api/me", headers=bearer(alice)).json()["cases"] == []


def test_suggested_parts_and_suppliers_for_the_customers_own_case(settings, client):
    from tests.test_spareparts_api import API_KEY, DB, Json2Server

    alice, case_id = make_customer(client, settings.database_url)
    _bob, bob_case = make_customer(client, settings.database_url)
    odoo = Json2Server()
    try:
        with_odoo = Settings(**{**settings.__dict__, "odoo_url": odoo.url, "odoo_db": DB, "odoo_api_key": API_KEY})
        with TestClient(create_app(with_odoo)) as app:
            r = app.get(f"/app/api/cases/{case_id}/spareparts", headers=bearer(alice))
            assert app.get(f"/app/api/cases/{bob_case}/spareparts", headers=bearer(alice)).status_code == 404
    finally:
        odoo.stop()
    assert r.status_code == 200, r.text
    [part] = r.json()["parts"]
    assert part["part_number"] == "04465-02220" and part["warranty_note"] == "Las balatas son consumibles."
    assert part["proveedores"][0]["name"] == "AutoPartes del Bajío"
    assert "partner_id" not in r.text and "product_id" not in r.text  # no back-office ids
    [(path, _, body)] = odoo.calls
    assert path == "/json/2/product.product/postventa_spareparts" and body == {"case_id": 5000 + case_id}
    assert client.get(f"/app/api/cases/{case_id}/spareparts", headers=bearer(alice)).status_code == 503  # no Odoo


def test_one_address_is_limited_too_but_more_loosely_than_one_contact(settings):
    from bridge.app_pwa import auth

    with TestClient(create_app(settings)) as own:
        frozen = {"contact": auth.RateLimiter(clock=lambda: 0.0),  # no refill during the test: exact counts
                  "ip": auth.RateLimiter(auth.IP_RATE_PER_MINUTE, auth.IP_BURST, clock=lambda: 0.0)}
        own.app.state.app_rate_limiters = frozen
        codes = [own.get("/app/api/me", headers=bearer(f"whatsapp:+52155766{i:05d}")).status_code
                 for i in range(130)]
    assert codes == [200] * 120 + [429] * 10
