"""Neon persistence for the WhatsApp channel: contacts, inbound dedupe, cases, jobs, outbox, Odoo calls.

Every function takes an open connection and runs inside the caller's transaction.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from ..cloudevents import insert_event, make_event
from .conversation import Outcome
from .parsing import Fault, plate_key

_NS = uuid.UUID("7c1d1f0e-5a0b-4c39-9a55-2f1e0b7d9c11")  # uuid5 namespace: retries yield the same event id
_CASE_COLUMNS = {"vin", "plate", "odo_km", "description", "falla_tipo", "status", "evidence_required"}


def stable_event_id(*parts: object) -> str:
    return str(uuid.uuid5(_NS, "|".join(str(p) for p in parts)))


def load_faults(conn: psycopg.Connection) -> list[Fault]:
    rows = conn.execute(
        "SELECT code, name, system, symptoms, keywords, required_evidence FROM fault_catalog WHERE active ORDER BY code"
    ).fetchall()
    return [
        Fault(r["code"], r["name"], r["system"] or "", r["symptoms"] or "", tuple(r["required_evidence"] or ()),
              tuple(r["keywords"] or ()))
        for r in rows
    ]


_FAULTS_TTL_S = 10.0
_faults_cache: tuple[float, str, list[Fault]] | None = None


def cached_faults(conn: psycopg.Connection) -> list[Fault]:
    """The catalog, re-read at most every few seconds per process (the sync refreshes it rarely)."""
    global _faults_cache
    now = time.monotonic()
    dsn = conn.info.dsn
    if _faults_cache is None or _faults_cache[1] != dsn or now - _faults_cache[0] > _FAULTS_TTL_S:
        _faults_cache = (now, dsn, load_faults(conn))
    return _faults_cache[2]


_CASE_SUMMARY = "SELECT id, status, vin, plate, falla_tipo, evidence_provided, warranty_status FROM cases "


def current_case(conn: psycopg.Connection, contact_id: str, case_id: int | None) -> dict[str, Any] | None:
    """The case the conversation is about, else the contact's latest one."""
    if case_id:
        row = conn.execute(_CASE_SUMMARY + "WHERE id = %s AND contact_id = %s", (case_id, contact_id)).fetchone()
        if row:
            return row
    return conn.execute(_CASE_SUMMARY + "WHERE contact_id = %s ORDER BY id DESC LIMIT 1", (contact_id,)).fetchone()


def vehicle_by_plate(conn: psycopg.Connection, plate: str, contact_id: str) -> str | None:
    """The VIN this same contact gave before for this plate. Never another contact's: a plate alone
    proves nothing about who is asking (identity rule, docs/security.md)."""
    row = conn.execute(
        "SELECT vin FROM cases WHERE regexp_replace(upper(plate), '[^A-Z0-9]', '', 'g') = %s "
        "AND contact_id = %s AND vin IS NOT NULL ORDER BY updated_at DESC, id DESC LIMIT 1",
        (plate_key(plate), contact_id),
    ).fetchone()
    return row["vin"] if row else None


def record_inbound(conn: psycopg.Connection, sid: str, contact_id: str, body: str, params: dict) -> bool:
    """Store the message once. False when this MessageSid was already seen (a redelivery)."""
    cur = conn.execute(
        "INSERT INTO wa_inbound (message_sid, contact_id, body, num_media, params) VALUES (%s, %s, %s, %s, %s) "
        "ON CONFLICT (message_sid) DO NOTHING",
        (sid, contact_id, body, int(params.get("NumMedia") or 0), Jsonb(params)),
    )
    return cur.rowcount == 1


def lock_contact(conn: psycopg.Connection, contact_id: str, profile_name: str) -> dict[str, Any]:
    """Upsert the contact, stamp the inbound time (24-hour window) and lock the row until commit."""
    row = conn.execute(
        """INSERT INTO wa_contacts (contact_id, profile_name, last_inbound_at) VALUES (%s, NULLIF(%s, ''), now())
           ON CONFLICT (contact_id) DO UPDATE
              SET last_inbound_at = now(), profile_name = COALESCE(EXCLUDED.profile_name, wa_contacts.profile_name)
           RETURNING state""",
        (contact_id, profile_name),
    ).fetchone()
    return row["state"] or {}


def lock_state(conn: psycopg.Connection, contact_id: str) -> dict[str, Any]:
    row = conn.execute("SELECT state FROM wa_contacts WHERE contact_id = %s FOR UPDATE", (contact_id,)).fetchone()
    return (row["state"] or {}) if row else {}


def save_state(conn: psycopg.Connection, contact_id: str, state: dict[str, Any]) -> None:
    conn.execute("UPDATE wa_contacts SET state = %s WHERE contact_id = %s", (Jsonb(state), contact_id))


def apply_outcome(
    conn: psycopg.Connection,
    contact_id: str,
    prev_case_id: int | None,
    out: Outcome,
    *,
    key: str,
    profile_name: str = "",
    media_urls: dict[int, tuple[str, str]] | None = None,
) -> int | None:
    """Write what the machine decided. ``key`` (the MessageSid or job id) makes every write idempotent."""
    case_id = prev_case_id
    if out.open_case:
        case_id = conn.execute(
            "INSERT INTO cases (contact_id, status, customer_name) VALUES (%s, 'open', NULLIF(%s, '')) RETURNING id",
            (contact_id, profile_name),
        ).fetchone()["id"]
        out.state["case_id"] = case_id
    if case_id and out.case_patch:
        patch_case(conn, case_id, out.case_patch)
    # Business events (case.handoff, quote.requested, quote.accepted) have one producer, Odoo: the
    # bridge queues the Odoo call and Odoo writes the event in the same transaction as the change.
    if out.handoff_note is not None and case_id:
        queue_odoo_call(conn, f"handoff:{key}", "postventa.case", "bridge_handoff",
                        {"neon_id": case_id, "note": out.handoff_note})
    for index, kind in sorted(out.media_kinds.items()):
        url, content_type = (media_urls or {}).get(index, ("", ""))
        enqueue_job(
            conn, "media", f"media:{key}:{index}", contact_id, case_id,
            {"url": url, "content_type": content_type, "evidence_kind": kind, "message_sid": key, "index": index},
        )
    if out.question:
        enqueue_job(conn, "question", f"question:{key}", contact_id, case_id, {"text": out.question[:1000]})
    if out.accept_quote_case:
        accept_quote(conn, contact_id, out.accept_quote_case, out.accept_quote_ref)
    if out.request_quote_case:
        queue_odoo_call(conn, f"request_quote:{out.request_quote_case}", "postventa.case", "bridge_request_quote",
                        {"neon_id": out.request_quote_case})
    if out.csat:
        conn.execute(
            "UPDATE cases SET csat_score = %s, csat_at = now() WHERE id = %s AND contact_id = %s",
            (out.csat[1], out.csat[0], contact_id),
        )
    if out.consent is not None or out.followup_reply:
        apply_followup(conn, contact_id, out, key=key)
    save_state(conn, contact_id, out.state)
    return case_id


def apply_followup(conn: psycopg.Connection, contact_id: str, out: Outcome, *, key: str) -> None:
    """Consent and follow-up answers: kept in Neon (the bridge honours an opt-out at once) and queued for
    Odoo's ``postventa.agent.bridge_followup_reply`` (the ledger of record, shown on the partner)."""
    contact = contact_id.removeprefix("whatsapp:")
    if out.consent is not None:
        conn.execute(
            "UPDATE wa_contacts SET followup_opt_out_at = CASE WHEN %s THEN NULL ELSE now() END WHERE contact_id = %s",
            (out.consent, contact_id),
        )
        queue_odoo_call(conn, f"followup:{key}", "postventa.agent", "bridge_followup_reply",
                        {"contact": contact, "kind": "consent", "opted_in": out.consent})
    reply = out.followup_reply
    if reply:
        if reply["kind"] == "csat":
            conn.execute(
                "INSERT INTO followup_csat (visit_id, contact_id, score) VALUES (%s, %s, %s) "
                "ON CONFLICT (visit_id) DO NOTHING",
                (reply["visit_id"], contact_id, reply["score"]),
            )
        queue_odoo_call(conn, f"followup:{key}", "postventa.agent", "bridge_followup_reply",
                        {"contact": contact, **{k: v for k, v in reply.items() if v is not None}})


def patch_case(conn: psycopg.Connection, case_id: int, patch: dict[str, Any]) -> None:
    cols = [c for c in patch if c in _CASE_COLUMNS]
    sets = [f"{c} = %s" for c in cols]
    values: list[Any] = [Jsonb(patch[c]) if c == "evidence_required" else patch[c] for c in cols]
    if patch.get("status") == "complete":
        sets.append("intake_completed_at = COALESCE(intake_completed_at, now())")
    if sets:
        conn.execute(f"UPDATE cases SET {', '.join(sets)} WHERE id = %s", (*values, case_id))


def case_ref(conn: psycopg.Connection, case_id: int | None) -> str:
    """The case's Odoo name once synced (as Odoo's own events carry it), else ``neon:<id>``."""
    row = conn.execute("SELECT odoo_ref FROM cases WHERE id = %s", (case_id,)).fetchone() if case_id else None
    return (row and row["odoo_ref"]) or f"neon:{case_id}"


def emit(conn: psycopg.Connection, type_: str, case_id: int | None, data: dict[str, Any], *, key: str) -> str:
    """A bridge-side event about a Neon case (subject ``case/<neon id>``, as Odoo's events use)."""
    event = make_event(
        type_, {"case_id": case_id, "neon_id": case_id, **data}, subject=f"case/{case_id}" if case_id else None,
        event_id=stable_event_id(type_, case_id, key),
    )
    insert_event(conn, event)
    return event["id"]


def accept_quote(conn: psycopg.Connection, contact_id: str, case_id: int, quote_ref: str = "") -> None:
    """Record "acepto" for the quote last approved for this case (once per quote)."""
    row = conn.execute(
        "UPDATE cases SET quote_accepted_at = now() WHERE id = %s AND contact_id = %s RETURNING quote_accepted_at",
        (case_id, contact_id),
    ).fetchone()
    if not row:
        return
    queue_odoo_call(conn, f"accept_quote:{case_id}:{quote_ref}", "postventa.case", "bridge_accept_quote",
                    {"neon_id": case_id})


def enqueue_job(conn, kind: str, dedupe_key: str, contact_id: str, case_id: int | None, payload: dict) -> int | None:
    row = conn.execute(
        "INSERT INTO wa_jobs (kind, dedupe_key, contact_id, case_id, payload) VALUES (%s, %s, %s, %s, %s) "
        "ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
        (kind, dedupe_key, contact_id, case_id, Jsonb(payload)),
    ).fetchone()
    return row["id"] if row else None


def queue_odoo_call(conn, dedupe_key: str, model: str, method: str, kwargs: dict) -> None:
    conn.execute(
        "INSERT INTO wa_odoo_calls (dedupe_key, model, method, kwargs) VALUES (%s, %s, %s, %s) "
        "ON CONFLICT (dedupe_key) DO NOTHING",
        (dedupe_key, model, method, Jsonb(kwargs)),
    )


def enqueue_message(
    conn, dedupe_key: str, contact_id: str, case_id: int | None, kind: str, body: str, template_vars: dict | None = None
) -> bool:
    cur = conn.execute(
        "INSERT INTO wa_outbox (dedupe_key, contact_id, case_id, kind, body, template_vars) "
        "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (dedupe_key) DO NOTHING",
        (dedupe_key, contact_id, case_id, kind, body, Jsonb(template_vars or {})),
    )
    return cur.rowcount == 1


def finish_inbound(conn: psycopg.Connection, sid: str, case_id: int | None, reply: str) -> None:
    conn.execute("UPDATE wa_inbound SET case_id = %s, reply = %s, processed_at = now(), last_error = NULL "
                 "WHERE message_sid = %s", (case_id, reply, sid))
