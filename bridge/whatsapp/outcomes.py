"""Odoo's outcomes (events in Neon) turned into WhatsApp messages for the customer.

``warranty.decided`` (eligible / no_eligible / review), ``quote.approved``, ``service.done`` (unless
Odoo's CSAT agent asks later) and ``followup.sent`` (``followup.py``) each become one outbox message per
contact (dedupe key ``event:<id>:<contact>``) and may set a
cross-case bit in the conversation state (a quote awaiting "acepto", a CSAT question, an offer to
quote). Each event is handled once (``wa_event_handled``), whichever notifier gets it first.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import psycopg

from ..config import Settings
from . import adapters, followup, store
from .messages import msg

log = logging.getLogger(__name__)

TYPES = ("warranty.decided", "quote.approved", "service.done", "followup.sent")


CURSOR = "outcomes"
OVERLAP = 1000  # events re-read behind the cursor: a lower seq may commit after a higher one


def process_events(conn: psycopg.Connection, settings: Settings, limit: int = 50) -> int:
    """Turn new outcome events into outbox messages; returns how many messages were queued."""
    cursor = conn.execute("SELECT seq FROM wa_cursors WHERE name = %s", (CURSOR,)).fetchone()
    after = (cursor["seq"] if cursor else 0) - OVERLAP
    rows = conn.execute(
        "SELECT e.seq, e.id::text AS id, e.type, e.subject, e.data FROM events e "
        "WHERE e.seq > %s AND e.type = ANY(%s) "
        "AND NOT EXISTS (SELECT 1 FROM wa_event_handled h WHERE h.event_id = e.id) ORDER BY e.seq LIMIT %s",
        (after, list(TYPES), limit),
    ).fetchall()
    top = conn.execute("SELECT COALESCE(max(seq), 0) AS seq FROM events").fetchone()["seq"]
    if len(rows) < limit:  # everything up to `top` was seen (or is inside the overlap window)
        conn.execute(
            "INSERT INTO wa_cursors (name, seq) VALUES (%s, %s) ON CONFLICT (name) DO UPDATE "
            "SET seq = GREATEST(wa_cursors.seq, EXCLUDED.seq), updated_at = now()",
            (CURSOR, top),
        )
    handled = 0
    for event in rows:
        try:
            handled += _handle(conn, settings, event)
        except psycopg.OperationalError:
            raise
        except Exception:  # one malformed event must not hold back the others; it is retried next pass
            log.exception("event %s (%s): could not be turned into a message", event["id"], event["type"])
    return handled


def _handle(conn: psycopg.Connection, settings: Settings, event: dict[str, Any]) -> int:
    with conn.transaction():
        claimed = conn.execute(
            "INSERT INTO wa_event_handled (event_id) VALUES (%s) ON CONFLICT DO NOTHING", (event["id"],)
        ).rowcount
        if not claimed:
            return 0
        if event["type"] == "followup.sent":
            return followup.notify(conn, event)
        if event["type"] == "service.done" and (event["data"] or {}).get("csat") == "agent":
            return 0  # Odoo's CSAT agent asks later (quiet hours, consent), as a followup.sent
        case = _find_case(conn, event)
        if case is None or not case["contact_id"]:
            log.info("event %s (%s): no WhatsApp case to notify", event["id"], event["type"])
            return 0
        return _notify(conn, settings, event, case)


def _find_case(conn: psycopg.Connection, event: dict[str, Any]) -> dict[str, Any] | None:
    data = event["data"] or {}
    columns = "id, contact_id, odoo_id, odoo_ref, falla_tipo, warranty_status, decision, ticket"
    for column, value in (("id", data.get("neon_id")), ("id", _subject_id(event["subject"])),
                          ("odoo_id", data.get("odoo_id") or data.get("case_id"))):
        if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
            row = conn.execute(f"SELECT {columns} FROM cases WHERE {column} = %s", (int(value),)).fetchone()
            if row:
                return row
    return None


def _subject_id(subject: str | None) -> str | None:
    match = re.fullmatch(r"case/(\d+)", subject or "")
    return match.group(1) if match else None


def _notify(conn: psycopg.Connection, settings: Settings, event: dict[str, Any], case: dict[str, Any]) -> int:
    data = event["data"] or {}
    contact, case_id = case["contact_id"], case["id"]
    # Build the message first (it may ask Odoo for parts), then lock the contact only briefly.
    remember: dict[str, Any] = {}  # what the conversation must know to understand the customer's answer
    if event["type"] == "warranty.decided":
        kind, body, variables = _warranty(settings, data, case)
        if kind == "warranty_no_eligible":
            remember = {"quote_offer_case_id": case_id}
    elif event["type"] == "quote.approved":
        kind, body, variables = _quote(data, case)
        quote = data.get("quote") if isinstance(data.get("quote"), dict) else {}
        remember = {"quote_case_id": case_id, "quote_ref": str(quote.get("name") or event["id"])}
    else:
        kind, body, variables = "service_done", msg("service_done", case_id=case_id), {"1": str(case_id)}
        remember = {"csat_case_id": case_id}
    if remember:
        state = store.lock_state(conn, contact)
        state.update(remember)
        store.save_state(conn, contact, state)
    new = store.enqueue_message(conn, f"event:{event['id']}:{contact}", contact, case_id, kind, body, variables)
    log.info("event %s (%s) case=%s -> outbox %s", event["id"], event["type"], case_id, kind)
    return int(new)


def _reason_codes(reasons: Any) -> set[str]:
    return {r.get("code") for r in reasons if isinstance(r, dict)} if isinstance(reasons, list) else set()


def _warranty(settings: Settings, data: dict, case: dict) -> tuple[str, str, dict]:
    decision = case["decision"] or {}
    outcome = data.get("outcome") or data.get("warranty_status") or decision.get("outcome") or case["warranty_status"]
    case_id = case["id"]
    if "owner_unverified" in _reason_codes(data.get("reasons")) | _reason_codes(decision.get("reasons")):
        # Identity rule: nothing about the vehicle (decision, ticket, reasons, parts) to an unverified sender.
        return "warranty_owner_unverified", msg("warranty_owner_unverified", case_id=case_id), {"1": str(case_id)}
    if outcome == "eligible":
        ticket = data.get("ticket") or case["ticket"] or decision.get("ticket") or msg("ticket_pending")
        if isinstance(ticket, dict):
            ticket = ticket.get("name") or msg("ticket_pending")
        return ("warranty_eligible", msg("warranty_eligible", case_id=case_id, ticket=ticket),
                {"1": str(case_id), "2": str(ticket)})
    if outcome == "no_eligible":
        reasons = data.get("reasons") or decision.get("reasons") or []
        text = "; ".join(r.get("message") or r.get("code", "") if isinstance(r, dict) else str(r) for r in reasons)
        parts = data.get("parts") or adapters.parts_from(data.get("spareparts")) or adapters.spare_parts(settings, case)
        if not parts and isinstance(data.get("recommended_supplier"), dict):
            parts = [{"name": msg("part_default"), **data["recommended_supplier"]}]
        return ("warranty_no_eligible",
                msg("warranty_no_eligible", case_id=case_id, reasons=text or msg("no_eligible_default"),
                    parts=_parts_text(parts)),
                {"1": str(case_id), "2": text[:200] or msg("no_eligible_default")})
    return "warranty_review", msg("warranty_review", case_id=case_id), {"1": str(case_id)}


def _parts_text(parts: list[dict]) -> str:
    if not parts:
        return ""
    lines = []
    for part in parts[:3]:
        stock = part.get("stock")
        stock_text = "" if stock is None else msg("in_stock" if stock else "on_order")
        lines.append(msg("warranty_parts_line", name=part.get("name") or msg("part_default"),
                         supplier=part.get("supplier") or msg("supplier_default"),
                         price=_money(part.get("price")), currency=part.get("currency") or "MXN", stock=stock_text))
    return msg("warranty_parts_header") + "".join(lines)


def _quote(data: dict, case: dict) -> tuple[str, str, dict]:
    quote = data.get("quote") if isinstance(data.get("quote"), dict) else data
    amount = quote.get("amount_total") or quote.get("amount")
    currency = quote.get("currency") or "MXN"
    lines = data.get("lines") or quote.get("lines") or []
    includes = ", ".join(
        str(line.get("product") or line.get("name") or "") if isinstance(line, dict) else str(line) for line in lines
    ) or msg("quote_default_includes")
    url = data.get("portal_url") or quote.get("portal_url")
    portal = msg("quote_portal", url=url) if url else ""
    body = msg("quote_approved", case_id=case["id"], amount=_money(amount), currency=currency, includes=includes,
               portal=portal)
    return "quote_approved", body, {"1": str(case["id"]), "2": f"{_money(amount)} {currency}"}


def _money(value: Any) -> str:
    try:
        return f"${float(value):,.2f}"
    except (TypeError, ValueError):
        return msg("amount_pending")
