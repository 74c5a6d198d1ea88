"""Inbound WhatsApp messages: the webhook's ack, and the conversation run later from the queue.

``accept`` is the ack: validate the fields, then one statement — the raw message inserted into
``wa_inbound`` (``ON CONFLICT (message_sid) DO NOTHING``: a redelivery, concurrent or not, stores
nothing). ``process_next`` is the rest, in one short transaction (no network calls): claim the
oldest pending message (SKIP LOCKED), lock its contact, run the conversation machine, write its
effects (case, media/question jobs, Odoo calls) and queue the replies in ``wa_outbox`` (kind
``reply``, key ``reply:<MessageSid>:<n>``), then mark the message processed. Slow work stays queued.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

import psycopg
from psycopg.types.json import Jsonb

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
    sid: str = ""


MAX_PROCESS_ATTEMPTS = 3  # a message whose processing keeps failing is set aside (last_error) after this

ACCEPT_SQL = """
INSERT INTO wa_inbound (message_sid, contact_id, body, num_media, params, reply, processed_at)
VALUES (%s, %s, %s, %s, %s, %s, CASE WHEN %s THEN now() END)
ON CONFLICT (message_sid) DO NOTHING
"""
_CLAIM = """
SELECT message_sid, contact_id, params, seq FROM wa_inbound
 WHERE processed_at IS NULL ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED
"""
_EARLIER_PENDING = """
SELECT 1 FROM wa_inbound WHERE contact_id = %s AND processed_at IS NULL AND seq < %s LIMIT 1
"""


def clean(params: dict[str, str]) -> dict[str, str]:
    return {k.replace("\x00", ""): v.replace("\x00", "") for k, v in params.items()}  # Postgres text has no NUL


@dataclass(frozen=True)
class Ack:
    """What the ack inserts, decided before touching the database (raises BadMessage)."""
    sid: str
    args: tuple
    reply: str | None

    def result(self, rowcount: int) -> Result:
        if rowcount != 1:
            return Result(duplicate=True, sid=self.sid)
        return Result([self.reply] if self.reply else [], sid=self.sid)


def prepare_ack(params: dict[str, str]) -> Ack:
    """A WhatsApp message is stored pending; the conversation answers later through the outbox. An SMS
    (non-``whatsapp:``) sender starts no conversation: it is stored as processed and answered at once."""
    params = clean(params)
    sid, sender = validate(params)
    parse_media(params)
    whatsapp = bool(CONTACT_RE.match(sender))
    reply = None if whatsapp else msg("unsupported_sender")
    return Ack(sid, (sid, sender[:64], params.get("Body", ""), int(params.get("NumMedia") or 0), Jsonb(params),
                     reply, not whatsapp), reply)


def accept(conn: psycopg.Connection, params: dict[str, str]) -> Result:
    """The webhook's ack: one INSERT on an autocommit connection. Raises BadMessage (nothing stored)."""
    ack = prepare_ack(params)
    return ack.result(conn.execute(ACCEPT_SQL, ack.args).rowcount)


class _Later(Exception):
    """An earlier message of the same contact is still pending: this one waits its turn."""


def process_next(conn: psycopg.Connection) -> Result | None:
    """Run the conversation for the oldest pending message. None when nothing can be processed now.
    ``conn`` is in autocommit mode; everything happens in one transaction (a crash redoes it)."""
    claimed: dict = {}

    def transaction() -> Result | None:
        with conn.transaction():
            row = conn.execute(_CLAIM).fetchone()
            if row is None:
                return None
            claimed.update(row)
            params, sender = row["params"], row["contact_id"]
            profile = params.get("ProfileName", "")[:120]
            state = store.lock_contact(conn, sender, profile)
            # Waiting for the contact's lock let any earlier message of this contact commit first; if one
            # is still pending (its processor failed, or has not locked the contact yet) it goes first.
            if conn.execute(_EARLIER_PENDING, (sender, row["seq"])).fetchone():
                raise _Later
            return _converse(conn, row["message_sid"], sender, params, profile, state)

    try:
        return db.retry(transaction, what="whatsapp inbound")
    except _Later:
        return None
    except psycopg.OperationalError:
        raise
    except Exception as exc:  # a message that breaks the machine must not block the queue forever
        log.exception("whatsapp inbound sid=%s: processing failed", claimed.get("message_sid"))
        if claimed:
            conn.execute(
                "UPDATE wa_inbound SET attempts = attempts + 1, last_error = %s, "
                "processed_at = CASE WHEN attempts + 1 >= %s THEN now() END WHERE message_sid = %s",
                (f"{type(exc).__name__}: {exc}"[:500], MAX_PROCESS_ATTEMPTS, claimed["message_sid"]),
            )
        return Result(sid=claimed.get("message_sid", ""))


def process_pending(conn: psycopg.Connection, limit: int = 1000) -> list[Result]:
    """Process pending messages until none is ready (or ``limit``)."""
    done = []
    for _ in range(limit):
        result = process_next(conn)
        if result is None:
            break
        done.append(result)
    return done


def _converse(conn: psycopg.Connection, sid: str, sender: str, params: dict, profile: str,
              state: dict) -> Result:
    body = params.get("Body", "")
    media = parse_media(params)
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
    for i, reply in enumerate(out.replies):
        store.enqueue_message(conn, f"reply:{sid}:{i}", sender, case_id, "reply", reply)
    store.finish_inbound(conn, sid, case_id, "\n\n".join(out.replies))
    jobs = len(out.media_kinds) + (1 if out.question else 0)
    log.info("whatsapp inbound sid=%s case=%s step=%s media=%d", sid, case_id, out.state.get("step"), len(media))
    return Result(out.replies, case_id=case_id, jobs_queued=jobs, sid=sid)


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
    """The former synchronous design, kept for the benchmark's comparison: store and converse in one
    transaction before answering (the reply goes in the TwiML answer, not through the outbox)."""
    params = clean(params)
    sid, sender = validate(params)
    parse_media(params)
    if not CONTACT_RE.match(sender):
        with conn.transaction():
            if store.record_inbound(conn, sid, sender[:64], params.get("Body", ""), params):
                store.finish_inbound(conn, sid, None, msg("unsupported_sender"))
                return Result([msg("unsupported_sender")], sid=sid)
        return Result(duplicate=True, sid=sid)

    def transaction() -> Result:
        with conn.transaction():
            if not store.record_inbound(conn, sid, sender, params.get("Body", ""), params):
                return Result(duplicate=True, sid=sid)
            profile = params.get("ProfileName", "")[:120]
            state = store.lock_contact(conn, sender, profile)
            prev_case = state.get("case_id")
            faults = store.cached_faults(conn)
            ctx = Context(faults=faults, case=store.current_case(conn, sender, prev_case),
                          vehicle_by_plate=lambda plate: store.vehicle_by_plate(conn, plate, sender),
                          fault_matcher=adapters.fault_matcher(faults))
            media = parse_media(params)
            out = conversation.handle(state, Inbound(params.get("Body", ""), media, profile), ctx)
            case_id = store.apply_outcome(conn, sender, prev_case, out, key=sid, profile_name=profile,
                                          media_urls={m.index: (m.url, m.content_type) for m in media})
            store.finish_inbound(conn, sid, case_id, "\n\n".join(out.replies))
            return Result(out.replies, case_id=case_id, sid=sid,
                          jobs_queued=len(out.media_kinds) + (1 if out.question else 0))

    return db.retry(transaction, what="whatsapp inbound")
