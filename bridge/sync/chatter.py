"""The WhatsApp conversation in Odoo's case chatter, and staff replies from Odoo to the customer.

One step of a sync pass, after the cases are pushed (a message needs its case in Odoo):

1. **Mirror** (Neon -> Odoo): every inbound message (with the assistant's TwiML reply to it) and every
   outbound message Twilio accepted, not yet stamped ``chatter_mirrored_at``, whose case is in Odoo, goes
   to ``postventa.case/bridge_mirror_messages`` in batches; media come from the message's finished media
   jobs (their bytes only when the sync has not pushed them yet). Odoo keys each message on its Twilio
   MessageSid, so a retry or a second runner never posts one twice; Neon stamps what Odoo answered
   (a message Odoo refuses is logged and not offered again).
   A message sent before its case existed belongs to the contact's next case and waits for it.
2. **Replies** (Odoo -> customer): ``bridge_pull_replies`` gives the replies staff wrote; each becomes one
   ``wa_outbox`` row (``odoo_reply:<key>``, kind ``staff_reply``: free text within the 24-hour window, else
   ``TWILIO_TEMPLATE_STAFF_REPLY``, else held) sent by the WhatsApp notifier; what happened to it is
   reported with ``bridge_report_replies`` until it is sent or failed.

An Odoo without these methods (addon not upgraded) answers 404: the step says so once and is skipped.
"""

from __future__ import annotations

import base64
import logging
import mimetypes
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

from .. import db
from ..odoo import OdooClient, OdooError
from .logic import odoo_value

log = logging.getLogger(__name__)

MODEL = "postventa.case"
BATCH = 100
BATCH_BYTES = 8 * 1024 * 1024
MAX_PER_PASS = 2000
REPLY_KIND = "staff_reply"
# Outbox kinds the outbound mirror leaves alone: staff replies are in the chatter already (staff wrote them
# there), and the conversation's own answers ("reply", queued by the inbound processor) are mirrored with the
# message they answer (``<sid>:reply``, from ``wa_inbound.reply``).
NOT_MIRRORED_AS_OUTBOUND = [REPLY_KIND, "reply"]
CONTACT_RE = re.compile(r"^whatsapp:\+[1-9]\d{6,14}$")

# The case a message belongs to: the one the conversation recorded, else the contact's next case (a
# greeting comes before the VIN that opens it). Only messages whose case is in Odoo, whose media jobs
# are finished and (inbound) whose processing wrote its reply.
_INBOUND = """
SELECT i.message_sid, i.contact_id, i.body, i.num_media, i.reply, i.received_at,
       i.params->>'ProfileName' AS profile_name, c.id AS case_id
  FROM wa_inbound i
  CROSS JOIN LATERAL (SELECT COALESCE(i.case_id, (SELECT min(n.id) FROM cases n WHERE n.contact_id = i.contact_id
                                                   AND n.created_at >= i.received_at)) AS id) r
  JOIN cases c ON c.id = r.id
 WHERE i.chatter_mirrored_at IS NULL AND i.reply IS NOT NULL AND c.odoo_id IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM wa_jobs j
                    WHERE j.dedupe_key IN (SELECT 'media:' || i.message_sid || ':' || g
                                             FROM generate_series(0, i.num_media - 1) g)
                      AND j.state IN ('queued', 'running'))
 ORDER BY i.received_at, i.message_sid
 LIMIT %s
"""
_OUTBOUND = """
SELECT o.id, o.twilio_sid, o.body, COALESCE(o.sent_at, o.updated_at) AS sent_at, c.id AS case_id
  FROM wa_outbox o
  CROSS JOIN LATERAL (SELECT COALESCE(o.case_id, (SELECT min(n.id) FROM cases n WHERE n.contact_id = o.contact_id
                                                   AND n.created_at >= o.created_at)) AS id) r
  JOIN cases c ON c.id = r.id
 WHERE o.chatter_mirrored_at IS NULL AND o.state = 'sent' AND o.kind <> ALL(%s) AND o.twilio_sid IS NOT NULL
   AND c.odoo_id IS NOT NULL
 ORDER BY o.id
 LIMIT %s
"""
_MEDIA = """
SELECT j.dedupe_key, a.case_id, a.sha256, a.content_type, a.storage_path, a.evidence_kind, a.odoo_synced_at
  FROM wa_jobs j JOIN case_attachments a ON a.id = (j.result->>'attachment_id')::bigint
 WHERE j.dedupe_key = ANY(%s) AND j.state = 'done'
 ORDER BY j.dedupe_key
"""


@dataclass
class ChatterStats:
    mirrored: int = 0
    rejected: int = 0
    calls: int = 0
    replies_queued: int = 0
    replies_refused: int = 0
    reports: int = 0
    off: str | None = None
    error_samples: list[str] = field(default_factory=list)


def _iso(value: datetime) -> str:
    return value.isoformat()


def _read_bytes(storage_path: str, media_dir: str) -> bytes | None:
    path = Path(storage_path)
    path = path if path.is_absolute() else Path(media_dir) / path
    try:
        return path.read_bytes()
    except OSError as exc:
        log.warning("chatter: media %s unreadable (%s); mirrored without it", path.name, type(exc).__name__)
        return None


def _media_for(rows: list[dict], case_id: int, media_dir: str) -> list[dict]:
    items, seen = [], set()
    for row in rows:
        if row["sha256"] in seen:
            continue
        seen.add(row["sha256"])
        ext = mimetypes.guess_extension(row["content_type"] or "") or ""
        item = {"sha256": row["sha256"], "filename": f"whatsapp-{row['sha256'][:12]}{ext}",
                "content_type": row["content_type"], "evidence_kind": row["evidence_kind"]}
        if row["odoo_synced_at"] is None or row["case_id"] != case_id:  # not in Odoo yet: send the bytes
            data = _read_bytes(row["storage_path"], media_dir)
            if data is None:
                continue
            item["datas"] = base64.b64encode(data).decode()
        items.append(item)
    return items


def _collect(pool: ConnectionPool, media_dir: str, limit: int) -> tuple[list[dict], dict, dict]:
    """Messages to mirror (time order) and, per sid, the Neon row that is done once they all are."""
    def read():
        with pool.connection() as conn:
            inbound = conn.execute(_INBOUND, (limit,)).fetchall()
            outbound = conn.execute(_OUTBOUND, (NOT_MIRRORED_AS_OUTBOUND, limit)).fetchall()
            keys = [f"media:{r['message_sid']}:{i}" for r in inbound for i in range(r["num_media"])]
            media = conn.execute(_MEDIA, (keys,)).fetchall() if keys else []
            return inbound, outbound, media

    inbound, outbound, media = db.retry(read, what="read WhatsApp messages to mirror")
    by_sid: dict[str, list[dict]] = {}
    for row in media:
        by_sid.setdefault(row["dedupe_key"].split(":")[1], []).append(row)
    messages, inbound_parts, outbound_ids = [], {}, {}
    for row in inbound:
        sid, case_id = row["message_sid"], row["case_id"]
        contact = row["contact_id"] if CONTACT_RE.match(row["contact_id"] or "") else None
        parts = [sid]
        messages.append({"sid": sid, "neon_id": case_id, "direction": "inbound", "contact_id": contact,
                         "body": row["body"] or "", "at": _iso(row["received_at"]),
                         "profile_name": row["profile_name"] or None,
                         "media": _media_for(by_sid.get(sid, []), case_id, media_dir)})
        if row["reply"]:
            parts.append(f"{sid}:reply")
            messages.append({"sid": f"{sid}:reply", "neon_id": case_id, "direction": "outbound",
                             "body": row["reply"], "at": _iso(row["received_at"] + timedelta(milliseconds=1))})
        inbound_parts[sid] = parts
    for row in outbound:
        outbound_ids[row["twilio_sid"]] = row["id"]
        messages.append({"sid": row["twilio_sid"], "neon_id": row["case_id"], "direction": "outbound",
                         "body": row["body"], "at": _iso(row["sent_at"])})
    messages.sort(key=lambda m: m["at"])
    return messages, inbound_parts, outbound_ids


def _chunks(messages: list[dict]):
    chunk, size = [], 0
    for message in messages:
        weight = sum(len(m.get("datas", "")) for m in message.get("media", [])) + len(message["body"] or "")
        if chunk and (len(chunk) >= BATCH or size + weight > BATCH_BYTES):
            yield chunk
            chunk, size = [], 0
        chunk.append(message)
        size += weight
    if chunk:
        yield chunk


def mirror_messages(pool: ConnectionPool, odoo: OdooClient, *, media_dir: str, stats: ChatterStats,
                    limit: int = MAX_PER_PASS) -> None:
    messages, inbound_parts, outbound_ids = _collect(pool, media_dir, limit)
    if not messages:
        return
    done: set[str] = set()
    for chunk in _chunks(messages):
        answers = odoo.call(MODEL, "bridge_mirror_messages", messages=chunk)
        stats.calls += 1
        for message, answer in zip(chunk, answers, strict=True):
            error = odoo_value(answer.get("error"))
            done.add(message["sid"])
            if not error:
                stats.mirrored += bool(answer.get("created"))
            else:
                # Only messages of cases Odoo acknowledged are sent, so "no case" means the case was deleted
                # there; like a malformed message it is never taken: stop offering it (nothing starves).
                stats.rejected += 1
                if len(stats.error_samples) < 5:
                    stats.error_samples.append(f"{message['sid']}: {error}")
                log.warning("chatter: Odoo refused WhatsApp message %s: %s", message["sid"], error)
    inbound_done = [sid for sid, parts in inbound_parts.items() if all(p in done for p in parts)]
    outbound_done = [oid for sid, oid in outbound_ids.items() if sid in done]

    def stamp() -> None:
        with pool.connection() as conn:
            if inbound_done:
                conn.execute("UPDATE wa_inbound SET chatter_mirrored_at = now() WHERE message_sid = ANY(%s) "
                             "AND chatter_mirrored_at IS NULL", (inbound_done,))
            if outbound_done:
                conn.execute("UPDATE wa_outbox SET chatter_mirrored_at = now() WHERE id = ANY(%s) "
                             "AND chatter_mirrored_at IS NULL", (outbound_done,))

    db.retry(stamp, what="stamp mirrored WhatsApp messages")


# --- staff replies -----------------------------------------------------------------------------------
_CONTACT = """
SELECT c.id, c.contact_id, c.odoo_ref, w.contact_id IS NOT NULL AS wrote,
       w.followup_opt_out_at IS NOT NULL AS opted_out,
       COALESCE(w.last_inbound_at > now() - interval '24 hours', false) AS in_window
  FROM cases c LEFT JOIN wa_contacts w ON w.contact_id = c.contact_id
 WHERE c.id = %s
"""
# What Odoo should know about each reply not yet settled there (outbox state -> reply state).
_TO_REPORT = """
SELECT r.reply_key, r.reported_state, r.reported_error,
       CASE WHEN r.refused IS NOT NULL THEN 'failed'
            WHEN o.state IN ('pending', 'sending') THEN 'queued'
            ELSE o.state END AS state,
       COALESCE(r.refused, CASE WHEN o.state IN ('held', 'failed') THEN o.last_error END) AS error,
       o.twilio_sid, o.sent_as_template IS NOT NULL AS template, o.id AS outbox_id
  FROM wa_odoo_replies r LEFT JOIN wa_outbox o ON o.id = r.outbox_id
 WHERE r.reported_state IS NULL OR r.reported_state NOT IN ('sent', 'failed')
 ORDER BY r.created_at
 LIMIT 500
"""


def _refusal(contact: dict | None) -> str | None:
    if contact is None:
        return "the case is not in the WhatsApp channel's store"
    if not contact["wrote"]:
        return "this WhatsApp number never wrote to the dealer"
    if contact["opted_out"] and not contact["in_window"]:
        return "the customer opted out of WhatsApp messages (baja) and is outside the 24-hour window"
    return None


def queue_replies(pool: ConnectionPool, odoo: OdooClient, stats: ChatterStats) -> None:
    replies = odoo.call(MODEL, "bridge_pull_replies", limit=100)
    stats.calls += 1
    for reply in replies or []:
        key, neon_id = reply.get("key"), odoo_value(reply.get("neon_id"))
        if not isinstance(key, str) or not key:
            continue

        def queue(reply=reply, key=key, neon_id=neon_id) -> str:
            with pool.connection() as conn, conn.transaction():
                if conn.execute("SELECT 1 FROM wa_odoo_replies WHERE reply_key = %s", (key,)).fetchone():
                    return "known"
                contact = conn.execute(_CONTACT, (neon_id,)).fetchone() if isinstance(neon_id, int) else None
                refused = _refusal(contact)
                outbox_id = None
                if not refused:
                    body = reply.get("body") or ""
                    ref = contact["odoo_ref"] or odoo_value(reply.get("case")) or f"neon:{neon_id}"
                    conn.execute(
                        "INSERT INTO wa_outbox (dedupe_key, contact_id, case_id, kind, body, template_vars) "
                        "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (dedupe_key) DO NOTHING",
                        (f"odoo_reply:{key}", contact["contact_id"], contact["id"], REPLY_KIND, body,
                         Jsonb({"1": ref, "2": body})),
                    )
                    outbox_id = conn.execute("SELECT id FROM wa_outbox WHERE dedupe_key = %s",
                                             (f"odoo_reply:{key}",)).fetchone()["id"]
                conn.execute(
                    "INSERT INTO wa_odoo_replies (reply_key, odoo_case_id, case_id, outbox_id, refused) "
                    "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (reply_key) DO NOTHING",
                    (key, int(odoo_value(reply.get("odoo_id")) or 0), contact["id"] if contact else None,
                     outbox_id, refused),
                )
                return "refused" if refused else "queued"

        outcome = db.retry(queue, what="queue a staff reply")
        if outcome == "queued":
            stats.replies_queued += 1
            log.info("chatter: staff reply %s queued for case %s", key, neon_id)
        elif outcome == "refused":
            stats.replies_refused += 1
            log.warning("chatter: staff reply %s for case %s not sendable", key, neon_id)


def report_replies(pool: ConnectionPool, odoo: OdooClient, stats: ChatterStats) -> None:
    def read():
        with pool.connection() as conn:
            return conn.execute(_TO_REPORT).fetchall()

    rows = [r for r in db.retry(read, what="read staff replies to report")
            if r["state"] and (r["state"], r["error"]) != (r["reported_state"], r["reported_error"])]
    if not rows:
        return
    updates = [{"key": r["reply_key"], "state": r["state"], "error": r["error"], "sid": r["twilio_sid"],
                "template": bool(r["template"])} for r in rows]
    odoo.call(MODEL, "bridge_report_replies", updates=updates)
    stats.calls += 1
    stats.reports += len(updates)

    def record() -> None:
        with pool.connection() as conn, conn.transaction():
            with conn.cursor() as cur:
                cur.executemany(
                    "UPDATE wa_odoo_replies SET reported_state = %s, reported_error = %s WHERE reply_key = %s",
                    [(r["state"], r["error"], r["reply_key"]) for r in rows])
            sent = [r["outbox_id"] for r in rows if r["state"] == "sent" and r["outbox_id"]]
            if sent:  # the reply is already in the chatter (staff wrote it there): nothing to mirror
                conn.execute("UPDATE wa_outbox SET chatter_mirrored_at = now() WHERE id = ANY(%s)", (sent,))

    db.retry(record, what="record reported staff replies")


_off_logged: set[str] = set()


def chatter_pass(pool: ConnectionPool, odoo: OdooClient, *, media_dir: str, pull_replies: bool = True) -> ChatterStats:
    """The whole step; an Odoo without the methods (404) turns it off for this pass, said once.
    ``pull_replies=False``: another sync runner asks Odoo for staff replies this interval."""
    stats = ChatterStats()
    try:
        mirror_messages(pool, odoo, media_dir=media_dir, stats=stats)
        if pull_replies:
            queue_replies(pool, odoo, stats)
        report_replies(pool, odoo, stats)
    except OdooError as exc:
        if exc.status != 404:
            raise
        stats.off = f"Odoo has no {exc.where} (postventa addon not upgraded?)"
        where = getattr(odoo, "_url", "odoo")
        if where not in _off_logged:
            _off_logged.add(where)
            log.info("off: WhatsApp chatter mirror: %s", stats.off)
    return stats
