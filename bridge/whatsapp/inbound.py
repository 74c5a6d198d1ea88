"""One inbound WhatsApp message, end to end in one short transaction (no network calls).

Dedupe by MessageSid, lock the contact, run the conversation machine, write its effects (case,
events, media/question jobs) and the reply. Slow work (downloads, manuals, Odoo) is left queued.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

import psycopg

from .. import db
from . import adapters, conversation, store
from .conversation import Context, Inbound, Media
from .messages import msg

log = logging.getLogger(__name__)

MAX_MEDIA = 10
CONTACT_RE = re.compile(r"^whatsapp:\+[1-9]\d{6,14}$")
SID_RE = re.compile(r"^(SM|MM)[0-9a-fA-F]{32}$")


class BadMessage(ValueError):
    """The webhook's fields are unusable (answered 400, nothing stored)."""


@dataclass
class Result:
    replies: list[str] = field(default_factory=list)
    duplicate: bool = False
    case_id: int | None = None
    jobs_queued: int = 0


def parse_media(params: dict[str, str]) -> tuple[Media, ...]:
    try:
        count = int(params.get("NumMedia") or 0)
    except ValueError as exc:
        raise BadMessage("NumMedia is not a number") from exc
    if not 0 <= count <= MAX_MEDIA:
        raise BadMessage(f"NumMedia must be between 0 and {MAX_MEDIA}")
    media = []
    for i in range(count):
        url = params.get(f"MediaUrl{i}", "").strip()
        if url.startswith(("https://", "http://")):
            media.append(Media(i, url, params.get(f"MediaContentType{i}", "").strip().lower()))
    return tuple(media)


def validate(params: dict[str, str]) -> tuple[str, str]:
    sid = params.get("MessageSid", "").strip()
    if not SID_RE.match(sid):
        raise BadMessage("MessageSid is missing or malformed")
    sender = params.get("From", "").strip()
    if not sender:
        raise BadMessage("From is missing")
    return sid, sender


def handle(conn: psycopg.Connection, params: dict[str, str]) -> Result:
    """Process one validated webhook payload. Idempotent: a second delivery changes nothing."""
    params = {k.replace("\x00", ""): v.replace("\x00", "") for k, v in params.items()}  # Postgres text has no NUL
    sid, sender = validate(params)
    media = parse_media(params)
    if not CONTACT_RE.match(sender):
        # SMS or a malformed address: keep the message, answer politely, start no conversation.
        with conn.transaction():
            if store.record_inbound(conn, sid, sender[:64], params.get("Body", ""), params):
                store.finish_inbound(conn, sid, None, msg("unsupported_sender"))
                return Result([msg("unsupported_sender")])
        return Result(duplicate=True)

    def transaction() -> Result:
        with conn.transaction():
            body = params.get("Body", "")
            if not store.record_inbound(conn, sid, sender, body, params):
                return Result(duplicate=True)
            profile = params.get("ProfileName", "")[:120]
            state = store.lock_contact(conn, sender, profile)
            prev_case = state.get("case_id")
            faults = store.cached_faults(conn)
            ctx = Context(
                faults=faults,
                case=store.current_case(conn, sender, prev_case),
                vehicle_by_plate=lambda plate: store.vehicle_by_plate(conn, plate, sender),
                fault_matcher=adapters.fault_matcher(faults),
            )
            out = conversation.handle(state, Inbound(body, media, profile), ctx)
            case_id = store.apply_outcome(
                conn, sender, prev_case, out, key=sid, profile_name=profile,
                media_urls={m.index: (m.url, m.content_type) for m in media},
            )
            store.finish_inbound(conn, sid, case_id, "\n\n".join(out.replies))
            jobs = len(out.media_kinds) + (1 if out.question else 0)
            log.info("whatsapp inbound sid=%s case=%s step=%s media=%d", sid, case_id, out.state.get("step"),
                     len(media))
            return Result(out.replies, case_id=case_id, jobs_queued=jobs)

    return db.retry(transaction, what="whatsapp inbound")

