"""Odoo's follow-up agents (``followup.sent`` events) turned into WhatsApp outbox messages.

Odoo already decided who, what and when (consent, quiet hours, frequency cap, 24-hour window); the
bridge writes the message in Spanish from its kind and variables, remembers what the conversation
needs to understand the answer ("agendar", "ya lo hice", 1–5), and honours an opt-out that Odoo has
not heard of yet. The outbox sends it as free text inside the window or as the approved template
``TWILIO_TEMPLATE_<KIND>`` outside it, with ``vars`` as ContentVariables.
"""

from __future__ import annotations

import logging
from typing import Any

import psycopg

from . import store
from .messages import msg

log = logging.getLogger(__name__)

KINDS = ("service_due", "csat_request", "coverage_inspection", "quote_reminder", "intake_nudge")


def body(kind: str, data: dict[str, Any]) -> str:
    v = {k: str(val) for k, val in (data.get("vars") or {}).items()}
    if kind == "service_due":
        return msg("followup_service_due", vehicle=v.get("1", ""), milestone=v.get("2", ""), due_date=v.get("3", ""))
    if kind == "csat_request":
        return msg("followup_csat_request", vehicle=v.get("1", ""))
    if kind == "coverage_inspection":
        return msg("followup_coverage_inspection", vehicle=v.get("1", ""), ends=v.get("2", ""))
    if kind == "quote_reminder":
        return msg("followup_quote_reminder", quote=v.get("1", ""), url=data.get("portal_url") or v.get("2", ""))
    return msg("followup_intake_nudge", case=v.get("1", data.get("case") or ""))


def notify(conn: psycopg.Connection, event: dict[str, Any]) -> int:
    """Queue the message of one ``followup.sent`` event (the caller claimed the event). 1 if queued."""
    data = event["data"] or {}
    kind, number = data.get("kind"), str(data.get("contact") or "")
    if kind not in KINDS or not number.startswith("+"):
        log.warning("event %s (followup.sent): kind %r / contact %r not understood", event["id"], kind, number)
        return 0
    contact = f"whatsapp:{number}"
    opted_out = conn.execute("SELECT 1 FROM wa_contacts WHERE contact_id = %s AND followup_opt_out_at IS NOT NULL",
                             (contact,)).fetchone()
    if opted_out:
        log.info("event %s (followup.sent): %s opted out, not sent", event["id"], kind)
        return 0
    remember = data.get("remember") if isinstance(data.get("remember"), dict) else {}
    if remember:
        conn.execute("INSERT INTO wa_contacts (contact_id) VALUES (%s) ON CONFLICT DO NOTHING", (contact,))
        state = store.lock_state(conn, contact)
        state.update(remember)
        store.save_state(conn, contact, state)
    variables = {k: str(val) for k, val in (data.get("vars") or {}).items()}
    new = store.enqueue_message(conn, f"followup:{data.get('key') or event['id']}", contact,
                                data.get("neon_id") if isinstance(data.get("neon_id"), int) else None,
                                kind, body(kind, data), variables)
    log.info("event %s (followup.sent) key=%s -> outbox %s", event["id"], data.get("key"), kind)
    return int(new)
