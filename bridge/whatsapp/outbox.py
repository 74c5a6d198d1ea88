"""Sending the outbox (``wa_outbox``) through Twilio's REST API, respecting WhatsApp's 24-hour window.

Inside the window (last inbound message < 24 h ago) the free-form body is sent. Outside it only an
approved template may be sent: ``TWILIO_TEMPLATE_<KIND>`` (e.g. ``TWILIO_TEMPLATE_WARRANTY_ELIGIBLE``)
holds its ContentSid and the row's ``template_vars`` its ContentVariables. Without a template the
message is ``held`` until the customer writes again: a held row whose contact has written since it
was held is claimed again (the webhook itself writes nothing for this).

``POSTVENTA_TEST_TWILIO_API_URL`` is **for tests only**: it points the real ``twilio`` client at a
local server speaking Twilio's REST protocol.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

import psycopg
from requests import RequestException
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from ..config import Settings

log = logging.getLogger(__name__)

TEST_API_ENV = "POSTVENTA_TEST_TWILIO_API_URL"
OUTSIDE_WINDOW_CODES = {63016}  # "outside the allowed window": hold, do not fail
MAX_ATTEMPTS = 8
HTTP_TIMEOUT_S = 10


def make_client(settings: Settings) -> Client | None:
    if not settings.twilio_enabled:
        return None
    client = Client(settings.twilio_account_sid, settings.twilio_auth_token,
                    http_client=TwilioHttpClient(timeout=HTTP_TIMEOUT_S))
    test_url = os.environ.get(TEST_API_ENV, "").strip()
    if test_url:
        client.api.base_url = test_url.rstrip("/")
    return client


def template_for(kind: str) -> str | None:
    return os.environ.get(f"TWILIO_TEMPLATE_{kind.upper()}", "").strip() or None


def whatsapp_from(settings: Settings) -> str:
    sender = settings.twilio_whatsapp_from
    return sender if sender.startswith("whatsapp:") else f"whatsapp:{sender}"


_CLAIM = """
UPDATE wa_outbox o SET state = 'sending', attempts = attempts + 1, lease_until = now() + interval '2 minutes'
WHERE id IN (
    SELECT id FROM wa_outbox
    WHERE (state = 'pending' AND next_attempt_at <= now()) OR (state = 'sending' AND lease_until < now())
       OR (state = 'held' AND EXISTS (SELECT 1 FROM wa_contacts c WHERE c.contact_id = wa_outbox.contact_id
                                      AND c.last_inbound_at > wa_outbox.updated_at))
    ORDER BY id FOR UPDATE SKIP LOCKED LIMIT %s
)
RETURNING o.id, o.contact_id, o.case_id, o.kind, o.body, o.template_vars, o.attempts,
    COALESCE((SELECT c.last_inbound_at > now() - interval '24 hours' FROM wa_contacts c
              WHERE c.contact_id = o.contact_id), false) AS in_window
"""


def send_pending(conn: psycopg.Connection, settings: Settings, client: Client | None, limit: int = 20) -> int:
    """Send up to ``limit`` due messages; returns how many were handed to Twilio."""
    if client is None or not settings.twilio_whatsapp_from:
        return 0
    with conn.transaction():
        rows = sorted(conn.execute(_CLAIM, (limit,)).fetchall(), key=lambda r: r["id"])
    sent = 0
    for row in rows:
        sent += _send_one(conn, settings, client, row)
    return sent


def _send_one(conn: psycopg.Connection, settings: Settings, client: Client, row: dict[str, Any]) -> int:
    template = None if row["in_window"] else template_for(row["kind"])
    if not row["in_window"] and not template:
        _set(conn, row["id"], "held", error="outside the 24-hour window and no approved template for this kind")
        return 0
    try:
        if template:
            message = client.messages.create(
                to=row["contact_id"], from_=whatsapp_from(settings), content_sid=template,
                content_variables=json.dumps(row["template_vars"] or {}, ensure_ascii=False),
            )
        else:
            message = client.messages.create(to=row["contact_id"], from_=whatsapp_from(settings), body=row["body"])
    except TwilioRestException as exc:
        if exc.code in OUTSIDE_WINDOW_CODES:
            _set(conn, row["id"], "held", error=f"Twilio {exc.code}: outside the 24-hour window")
        elif exc.status >= 500 or exc.status == 429:
            _retry(conn, row, f"Twilio HTTP {exc.status} code {exc.code}")
        else:
            _set(conn, row["id"], "failed", error=f"Twilio HTTP {exc.status} code {exc.code}: {exc.msg}"[:500])
        log.warning("outbox id=%s case=%s not sent: HTTP %s code %s", row["id"], row["case_id"], exc.status, exc.code)
        return 0
    except RequestException as exc:
        _retry(conn, row, f"network error: {type(exc).__name__}")
        return 0
    with conn.transaction():
        conn.execute(
            "UPDATE wa_outbox SET state = 'sent', sent_at = now(), twilio_sid = %s, sent_as_template = %s, "
            "lease_until = NULL, last_error = NULL WHERE id = %s",
            (message.sid, template, row["id"]),
        )
    log.info("outbox id=%s case=%s sent sid=%s%s", row["id"], row["case_id"], message.sid,
             " (template)" if template else "")
    return 1


def _retry(conn: psycopg.Connection, row: dict[str, Any], error: str) -> None:
    if row["attempts"] >= MAX_ATTEMPTS:
        _set(conn, row["id"], "failed", error=error)
        return
    delay = min(3600, 15 * 2 ** (row["attempts"] - 1))
    with conn.transaction():
        conn.execute(
            "UPDATE wa_outbox SET state = 'pending', lease_until = NULL, last_error = %s, "
            "next_attempt_at = now() + make_interval(secs => %s) WHERE id = %s",
            (error, delay, row["id"]),
        )


def _set(conn: psycopg.Connection, outbox_id: int, state: str, *, error: str) -> None:
    with conn.transaction():
        conn.execute(
            "UPDATE wa_outbox SET state = %s, lease_until = NULL, last_error = %s WHERE id = %s",
            (state, error, outbox_id),
        )
