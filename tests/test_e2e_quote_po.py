"""WhatsApp -> Odoo -> quote -> purchase order, against a real Odoo 19 with ``postventa_purchase``, and the
customer's app in a real browser (Debian's Chromium driven by Playwright).

A fleet customer writes on WhatsApp about worn front brake pads (a wear item: not covered), sends the video
and the odometer photo; the sync takes the case to Odoo, which decides ``no_eligible``; the customer opens
the app from the link, looks at the suggested parts and asks for a quote there; Odoo builds the quote
(parts that fit the Hilux + labour, IVA, in the company's currency), purchasing approves it in Odoo; the
sync brings it back and the customer accepts it in the app; the bridge relays the acceptance to Odoo (the
same queued call as "acepto" on WhatsApp), which confirms the order and raises the purchase order to the
supplier chosen by SLA. Then the case's timeline (``/admin/cases/{id}/timeline``) lists every step of the
loop, in order, under the one trace id the events carry.

Only Twilio's REST API and the media host are the local stand-in (``tests/fake_twilio.py``).
"""

from __future__ import annotations

import re

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg.rows import dict_row

from bridge import customer_token, db, tracing
from bridge.app import create_app
from bridge.config import Settings
from bridge.odoo import OdooClient
from bridge.whatsapp import adapters
from tests.fake_twilio import JPEG, MP4
from tests.live_server import serving
from tests.test_e2e_loop import as_staff, dispatch_once, e2e_settings, fake, q, real, say, sync_once, work  # noqa: F401

# the phone profile and the Chromium of the app's browser tests (skipped there without chromium/playwright)
from tests.test_pwa_browser import ARGS, CHROMIUM, PHONE, SHOTS, sync_api

PUBLIC = "https://bridge.example.com"
SECRET = "customer-token-secret-for-the-e2e-0123456789"
ADMIN = "admin-key-for-the-quote-e2e-0123456789"
VIN = "MR0HA3CD0P0123457"  # demo Hilux 2022 of Transportes del Bajío: 50 months, 82,000 km 20 months ago
SENDER = "whatsapp:+5214771234567"  # the fleet's phone on file


@pytest.fixture(scope="module")
def settings(real, db_url, tmp_path_factory, fake) -> Settings:  # noqa: F811
    return e2e_settings(real, db_url, str(tmp_path_factory.mktemp("media")), 80_000,
                        customer_token_secret=SECRET, admin_api_key=ADMIN)


def relay_to_odoo(settings: Settings) -> list[dict]:
    """What the media worker's notifier does with the customer's app/WhatsApp requests: the queued Odoo calls."""
    with db.connect(settings.database_url, autocommit=True) as conn:
        adapters.run_odoo_calls(conn, settings)
    return q(settings, "SELECT method, state FROM wa_odoo_calls ORDER BY id")


def odoo_quotes(settings: Settings, case_odoo_id: int) -> list[dict]:
    with OdooClient(as_staff(settings), retries=1) as odoo:
        return odoo.call("sale.order", "search_read", domain=[["postventa_case_id", "=", case_odoo_id]],
                         fields=["name", "state", "postventa_approval_state", "amount_untaxed", "amount_tax",
                                 "amount_total", "currency_id", "validity_date", "postventa_purchase_ids"])


def test_whatsapp_to_purchase_order_with_the_customer_app_and_one_timeline(settings, fake):  # noqa: F811
    # 1. The fault catalog comes from Odoo; the customer tells the story on WhatsApp.
    assert sync_once(settings) == 0
    transcript: list[tuple[str, list[str]]] = []

    def tell(client, text: str = "", media=()) -> list[str]:
        answer = say(client, text, media=media, sender=SENDER)
        transcript.append((text or "<media>", answer))
        return answer

    with TestClient(create_app(settings)) as client:
        tell(client, "Hola")
        tell(client, VIN)
        tell(client, "96,500 km")
        proposed = tell(client, "me rechinan las balatas de adelante al frenar")
        if "Balatas delanteras" not in proposed[0]:
            menu = tell(client, "no")[0]
            choice = re.findall(r"^(\d+)\. Balatas delanteras", menu, re.M)
            assert choice, transcript
            proposed = tell(client, choice[0])
        ask = proposed if ("foto" in proposed[0] or "video" in proposed[0]) else tell(client, "Sí")
        assert "video" in " ".join(ask) or "foto" in " ".join(ask), transcript
        assert tell(client, media=[(fake.add_media(MP4, "video/mp4"), "video/mp4")]), transcript
        assert tell(client, media=[(fake.add_media(JPEG + b"odometro-hilux", "image/jpeg"), "image/jpeg")])
    work(settings)
    cases = q(settings, "SELECT * FROM cases WHERE contact_id = %s", SENDER)
    assert len(cases) == 1, (cases, transcript)
    [case] = cases
    neon_id = case["id"]
    assert (case["vin"], case["falla_tipo"], case["status"]) == (VIN, "BRK-001", "complete"), case

    # 2. Two sync passes: the case reaches Odoo, which decides on arrival (a wear item), and comes back.
    assert sync_once(settings) == 0
    assert sync_once(settings) == 0
    [case] = q(settings, "SELECT * FROM cases WHERE id = %s", neon_id)
    assert case["warranty_status"] == "no_eligible", case
    assert case["odoo_id"] and case["odoo_ref"]
    odoo_id, odoo_ref = case["odoo_id"], case["odoo_ref"]

    SHOTS.mkdir(parents=True, exist_ok=True)
    link = f"/app/#t={customer_token.issue(SECRET, SENDER, 3600)}"
    with serving(create_app(settings)) as base, sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            context = browser.new_context(**PHONE)
            context.set_default_timeout(20_000)
            page = context.new_page()
            # 3. The customer opens the app, sees the decision and the parts, asks for a quote.
            page.goto(base + link)
            page.get_by_role("link", name=f"Ver detalle de {odoo_ref}").click()
            page.get_by_text("Es una pieza de desgaste normal").wait_for()
            page.get_by_role("button", name="Ver refacciones y proveedores").click()
            page.get_by_text("Balatas delanteras Hilux").first.wait_for()
            page.screenshot(path=str(SHOTS / "e2e-01-refacciones-hilux.png"), full_page=True)
            page.get_by_role("button", name="Solicitar cotización").click()
            page.get_by_text("Ya pediste tu cotización").wait_for()

            # 4. The request reaches Odoo, which builds the quote; purchasing approves it there.
            assert relay_to_odoo(settings) == [{"method": "bridge_request_quote", "state": "done"}]
            [quote] = odoo_quotes(settings, odoo_id)
            assert quote["state"] == "draft" and quote["postventa_approval_state"] == "to_approve", quote
            assert quote["amount_tax"] == pytest.approx(quote["amount_untaxed"] * 0.16, abs=0.05), quote
            with OdooClient(as_staff(settings), retries=1) as odoo:
                odoo.call("sale.order", "action_postventa_approve", ids=[quote["id"]])

            # 5. The sync brings the approved quote back; the customer reads it and accepts it in the app.
            assert sync_once(settings) == 0
            [case] = q(settings, "SELECT quote FROM cases WHERE id = %s", neon_id)
            assert case["quote"]["name"] == quote["name"] and case["quote"]["approval_state"] == "approved"
            assert case["quote"]["validity_date"] == quote["validity_date"]
            page.reload()
            page.get_by_role("button", name="Aceptar cotización").wait_for()
            total = page.locator("#quote-total").inner_text().replace("\xa0", " ")
            assert quote["currency_id"][1] == "MXN" and total == f"${quote['amount_total']:,.2f}", (quote, total)
            if quote["validity_date"]:
                page.get_by_text("Válida hasta el").wait_for()
            page.screenshot(path=str(SHOTS / "e2e-02-cotizacion-real.png"), full_page=True)
            page.get_by_role("button", name="Aceptar cotización").click()
            page.locator("#quote-state", has_text="Aceptada").wait_for()
            context.close()
        finally:
            browser.close()

    # 6. The acceptance is relayed to Odoo: the order is confirmed and the purchase order raised.
    assert relay_to_odoo(settings) == [{"method": "bridge_request_quote", "state": "done"},
                                       {"method": "bridge_accept_quote", "state": "done"}]
    [quote] = odoo_quotes(settings, odoo_id)
    assert quote["state"] == "sale", quote
    assert quote["postventa_purchase_ids"], quote
    with OdooClient(as_staff(settings), retries=1) as odoo:
        purchases = odoo.call("purchase.order", "read", ids=quote["postventa_purchase_ids"],
                              fields=["name", "partner_id", "state", "order_line"])
    assert all(po["state"] == "draft" and po["order_line"] for po in purchases), purchases
    assert relay_to_odoo(settings)[-1] == {"method": "bridge_accept_quote", "state": "done"}  # nothing new
    [quote_again] = odoo_quotes(settings, odoo_id)
    assert quote_again["postventa_purchase_ids"] == quote["postventa_purchase_ids"]  # one PO set, not two

    # 7. Odoo's events reach Neon under the case's one trace; the timeline tells the whole story in order.
    assert dispatch_once(settings) == 0
    assert sync_once(settings) == 0
    trace_id = tracing.case_trace_id(neon_id)
    with psycopg.connect(settings.database_url, row_factory=dict_row) as conn:
        events = conn.execute("SELECT type, traceparent FROM events WHERE subject = %s",
                              (f"case/{neon_id}",)).fetchall()
    assert {e["type"] for e in events} >= {"warranty.decided", "quote.created", "quote.approved", "quote.accepted"}
    assert {tracing.parse_traceparent(e["traceparent"])[0] for e in events} == {trace_id}
    with TestClient(create_app(settings)) as client:
        response = client.get(f"/admin/cases/{neon_id}/timeline", headers={"Authorization": f"Bearer {ADMIN}"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["trace_id"] == trace_id
    steps = body["steps"]
    assert [s["at"] for s in steps] == sorted(s["at"] for s in steps)
    kinds = [(s["system"], s["kind"]) for s in steps]
    first = {k: kinds.index(k) for k in reversed(kinds)}
    expected = [
        ("whatsapp", "message.inbound"), ("neon", "case.created"), ("neon", "media.processed"),
        ("neon", "sync.push"), ("odoo", "case.created"), ("odoo", "warranty.decision"),
        ("odoo", "quote.created"), ("odoo", "quote.approved"), ("odoo", "quote.accepted"),
        ("odoo", "purchase.order"), ("events", "warranty.decided"), ("events", "quote.approved"),
        ("events", "quote.accepted"), ("neon", "sync.pull"),
    ]
    missing = [k for k in expected if k not in first]
    assert not missing, (missing, kinds)
    order = [("neon", "case.created"), ("odoo", "case.created"), ("odoo", "warranty.decision"),
             ("odoo", "quote.created"), ("odoo", "quote.approved"), ("odoo", "quote.accepted")]
    assert [first[k] for k in order] == sorted(first[k] for k in order), kinds
    assert first[("odoo", "quote.accepted")] <= first[("odoo", "purchase.order")] or \
        steps[first[("odoo", "purchase.order")]]["at"] == steps[first[("odoo", "quote.accepted")]]["at"], kinds
    po_step = steps[first[("odoo", "purchase.order")]]
    assert purchases[0]["name"] in po_step["detail"], po_step
