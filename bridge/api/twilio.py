"""``POST /twilio/whatsapp``: Twilio's signed webhook. The ack is one INSERT of the raw message into
``wa_inbound``; the conversation runs later (media worker's inbound thread) and replies through the outbox."""

from __future__ import annotations

import asyncio
import logging
import time
from urllib.parse import parse_qsl

import psycopg
import psycopg_pool
from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from twilio.twiml.messaging_response import MessagingResponse

from .. import db
from ..observability import observe_webhook
from ..whatsapp import inbound, signature
from .health import EXTRA_PROBES

log = logging.getLogger(__name__)
router = APIRouter(tags=["whatsapp"])

MAX_BODY_BYTES = 64 * 1024  # Twilio's form for one message (10 media URLs, 1600-char body) is far smaller
MAX_TWIML_CHARS = 1600


LAG_ALERT_S = 300


def whatsapp_probe(app) -> str:
    """``/healthz`` "whatsapp": "ok", or what needs a look (a lagging queue, failed media, held messages)."""
    try:
        with app.state.pool.connection(timeout=2) as conn:
            row = conn.execute(
                """SELECT (SELECT count(*) FROM wa_jobs WHERE state = 'queued') AS queued,
                          (SELECT COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0) FROM wa_jobs
                            WHERE state = 'queued') AS oldest_s,
                          (SELECT count(*) FROM wa_jobs WHERE state = 'failed'
                            AND updated_at > now() - interval '1 day') AS failed_24h,
                          (SELECT count(*) FROM wa_outbox WHERE state IN ('held', 'failed')) AS unsent"""
            ).fetchone()
    except Exception:  # noqa: BLE001 - Neon down is reported by the neon probe
        return "unknown"
    problems = []
    if row["oldest_s"] > LAG_ALERT_S:
        problems.append(f"{row['queued']} jobs queued, oldest {int(row['oldest_s'])} s (is media-worker running?)")
    if row["failed_24h"]:
        problems.append(f"{row['failed_24h']} media failed in 24 h")
    if row["unsent"]:
        problems.append(f"{row['unsent']} messages held or failed")
    return "; ".join(problems) or "ok"


EXTRA_PROBES["whatsapp"] = whatsapp_probe


_EMPTY_TWIML = str(MessagingResponse())


_EMPTY_TWIML_BYTES = _EMPTY_TWIML.encode()


def twiml_bytes(replies: list[str]) -> bytes:
    if not replies:  # the usual ack: built once
        return _EMPTY_TWIML_BYTES
    response = MessagingResponse()
    for reply in replies:
        for start in range(0, len(reply), MAX_TWIML_CHARS):
            response.message(reply[start:start + MAX_TWIML_CHARS])
    return str(response).encode()


def twiml(replies: list[str]) -> Response:
    return Response(content=twiml_bytes(replies), media_type="application/xml")


ACK_CONNECTIONS = 8


class AckConnections:
    """Autocommit async connections for the ack, used on the web process's event loop: the ack is one
    round trip to Postgres with no thread hop (each hop is a wake-up that waits for a CPU on a busy
    machine) and no liveness check (a connection Postgres dropped — Neon closes idle ones — fails that
    one statement, which is retried once on a fresh connection)."""

    def __init__(self, url: str, loop: asyncio.AbstractEventLoop, size: int = ACK_CONNECTIONS) -> None:
        self.url, self.loop = url, loop
        self.idle: list[psycopg.AsyncConnection] = []
        self.slots = asyncio.Semaphore(size)

    async def accept(self, params: dict[str, str]) -> inbound.Result:
        ack = inbound.prepare_ack(params)  # BadMessage before any connection is taken
        async with self.slots:
            for attempt in (1, 2):
                conn = self.idle.pop() if self.idle else await psycopg.AsyncConnection.connect(
                    self.url, autocommit=True, **(db.connect_kwargs() | {"application_name": "postventa-ack"}))
                try:
                    result = ack.result((await conn.execute(inbound.ACCEPT_SQL, ack.args)).rowcount)
                except psycopg.OperationalError:
                    await conn.close()
                    if attempt == 2:
                        raise
                    continue
                except BaseException:  # cancelled mid-statement, or it failed: the connection is in doubt
                    await conn.close()
                    raise
                self.idle.append(conn)
                return result
        raise AssertionError("unreachable")


_ack: dict[tuple[int, str], AckConnections] = {}


def ack_connections(url: str) -> AckConnections:
    loop = asyncio.get_running_loop()
    found = _ack.get((id(loop), url))
    if found is None or found.loop is not loop:
        for key, old in list(_ack.items()):  # connections of event loops that ended (tests start many)
            if old.loop.is_closed():
                del _ack[key]
        found = _ack[(id(loop), url)] = AckConnections(url, loop)
    return found


WEBHOOK_PATH = "/twilio/whatsapp"
_FORM = "application/x-www-form-urlencoded"


@router.post(
    WEBHOOK_PATH,
    summary="Twilio WhatsApp webhook (form-encoded, X-Twilio-Signature)",
    response_class=Response,
    responses={
        200: {"content": {"application/xml": {}},
              "description": "TwiML: empty (the reply follows through the outbox); an SMS sender's notice"},
        400: {"description": "malformed fields"},
        403: {"description": "missing or wrong signature"},
        413: {"description": "body too large"},
        415: {"description": "not application/x-www-form-urlencoded"},
        503: {"description": "no auth token configured for non-local use, or the database is unavailable"},
    },
)
async def whatsapp_webhook(request: Request) -> Response:
    """The documented route. ``WebhookDirect`` answers these requests before the router, so this runs only in
    an app built without it; it hands the request to the same ASGI handler."""
    return _Delegate()


class _Delegate(Response):
    async def __call__(self, scope, receive, send) -> None:
        await ack_app(scope, receive, send)


class WebhookDirect:
    """ASGI middleware: ``POST /twilio/whatsapp`` goes straight to ``ack_app``, past FastAPI's routing,
    request object and dependency layers (a quarter of the ack's CPU); everything else goes on."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["path"] == WEBHOOK_PATH and scope["method"] == "POST":
            await ack_app(scope, receive, send)
        else:
            await self.app(scope, receive, send)


class _Refused(Exception):
    def __init__(self, status: int, reason: str, headers: tuple[tuple[bytes, bytes], ...] = ()) -> None:
        super().__init__(reason)
        self.status, self.reason, self.headers = status, reason, headers


async def _read_form(scope, receive) -> list[tuple[str, str]]:
    """The form's fields, the body read chunk by chunk (chunked or not) and abandoned past MAX_BODY_BYTES."""
    content_type = declared = b""
    for name, value in scope["headers"]:
        if name == b"content-type":
            content_type = value
        elif name == b"content-length":
            declared = value
    if not content_type.startswith(_FORM.encode()):
        raise _Refused(415, f"expected {_FORM}")
    if declared and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
        raise _Refused(413, "body too large or bad Content-Length")
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Refused(400, "client disconnected")
        body += message.get("body", b"")
        if len(body) > MAX_BODY_BYTES:
            raise _Refused(413, "body too large", ((b"connection", b"close"),))
        if not message.get("more_body", False):
            break
    try:
        return parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict", max_num_fields=100)
    except (UnicodeDecodeError, ValueError):
        raise _Refused(400, "body is not a valid UTF-8 form") from None


async def _acknowledge(scope, receive) -> tuple[inbound.Result, object]:
    """The checks in order (token, content type, size, form, signature, fields), then the one INSERT.
    Returns the result and the settings; raises _Refused with the status and reason."""
    settings = scope["app"].state.settings
    client = scope.get("client")
    client_host = client[0] if client else None
    choice = signature.choose_token(settings, client_host)
    if not choice.token:
        log.warning("whatsapp webhook refused: %s", choice.refusal)
        raise _Refused(503, choice.refusal)
    try:
        pairs = await _read_form(scope, receive)
    except _Refused as exc:
        if exc.reason == "client disconnected":
            log.info("whatsapp webhook: client disconnected before sending the whole body (peer=%s)", client_host)
        raise
    params = signature.FormParams(pairs)
    url = signature.signed_url(settings, scope["path"], scope.get("query_string", b"").decode("latin-1"))
    supplied = settings_header = None
    for name, value in scope["headers"]:
        if name == b"x-twilio-signature":
            supplied = value.decode("latin-1")
        elif name == b"x-twilio-webhooks-signature-settings":
            settings_header = value.decode("latin-1")
    if not signature.is_valid(choice.token, url, params, supplied or "", settings_header):
        log.warning("whatsapp webhook: bad or missing signature (url=%s, peer=%s, header=%s)",
                    url, client_host, "present" if supplied else "missing")
        raise _Refused(403, "invalid Twilio signature")
    try:
        return await ack_connections(settings.database_url).accept(dict(params)), settings
    except inbound.BadMessage as exc:
        raise _Refused(400, str(exc)) from None
    except (psycopg.OperationalError, psycopg_pool.PoolTimeout) as exc:
        log.error("whatsapp webhook: database unavailable (%s)", type(exc).__name__)
        raise _Refused(503, "temporarily unavailable", ((b"retry-after", b"5"),)) from None


async def ack_app(scope, receive, send) -> None:
    """``POST /twilio/whatsapp`` as a bare ASGI handler: every refusal a specific 4xx/503 with its reason,
    checked before any work; the ack itself one INSERT (``AckConnections``) and an empty TwiML. Its time
    goes to ``/metrics`` and, for whoever measures from outside, to ``Server-Timing``."""
    started = time.perf_counter()
    settings = result = None
    try:
        result, settings = await _acknowledge(scope, receive)
    except _Refused as exc:
        status, body = exc.status, exc.reason.encode()
        headers = [(b"content-type", b"text/plain; charset=utf-8"), *exc.headers]
    else:
        status = 200
        body = twiml_bytes([] if result.duplicate else result.replies)
        headers = [(b"content-type", b"application/xml")]
    elapsed = time.perf_counter() - started
    headers += [(b"content-length", str(len(body)).encode()),
                (b"server-timing", f"app;dur={elapsed * 1000:.2f}".encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
    observe_webhook("twilio_whatsapp", status, elapsed)
    if status == 200 and settings.media_processing == "inline" and not result.duplicate:
        from ..whatsapp import media_worker

        # development: the conversation and media here, after the answer (as a background task would)
        await run_in_threadpool(media_worker.drain, settings)
