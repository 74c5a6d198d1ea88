"""``POST /twilio/whatsapp``: Twilio's signed webhook. The ack is one INSERT of the raw message into
``wa_inbound``; the conversation runs later (media worker's inbound thread) and replies through the outbox."""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import parse_qsl

import psycopg
import psycopg_pool
from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import PlainTextResponse, Response
from starlette.requests import ClientDisconnect
from twilio.twiml.messaging_response import MessagingResponse

from .. import db
from ..observability import timed_route
from ..whatsapp import inbound, signature
from .health import EXTRA_PROBES

log = logging.getLogger(__name__)
router = APIRouter(tags=["whatsapp"], route_class=timed_route("twilio_whatsapp"))

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


def twiml(replies: list[str]) -> Response:
    if not replies:  # the usual ack: built once
        return Response(content=_EMPTY_TWIML, media_type="application/xml")
    response = MessagingResponse()
    for reply in replies:
        for start in range(0, len(reply), MAX_TWIML_CHARS):
            response.message(reply[start:start + MAX_TWIML_CHARS])
    return Response(content=str(response), media_type="application/xml")


class BodyTooLarge(Exception):
    """The request body passed the limit (the rest is never read)."""


async def read_body(request: Request, limit: int) -> bytes:
    """The body, read chunk by chunk (chunked or not) and abandoned as soon as it passes ``limit``."""
    buf = bytearray()
    async for chunk in request.stream():
        buf.extend(chunk)
        if len(buf) > limit:
            raise BodyTooLarge
    return bytes(buf)


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


@router.post(
    "/twilio/whatsapp",
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
async def whatsapp_webhook(request: Request, background: BackgroundTasks) -> Response:
    settings = request.app.state.settings
    client_host = request.client.host if request.client else None
    choice = signature.choose_token(settings, client_host)
    if not choice.token:
        log.warning("whatsapp webhook refused: %s", choice.refusal)
        return PlainTextResponse(choice.refusal, status_code=503)
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return PlainTextResponse("expected application/x-www-form-urlencoded", status_code=415)
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
        return PlainTextResponse("body too large or bad Content-Length", status_code=413)
    try:
        raw = await read_body(request, MAX_BODY_BYTES)
    except BodyTooLarge:
        return PlainTextResponse("body too large", status_code=413, headers={"Connection": "close"})
    except ClientDisconnect:
        log.info("whatsapp webhook: client disconnected before sending the whole body (peer=%s)", client_host)
        return PlainTextResponse("client disconnected", status_code=400)
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, errors="strict", max_num_fields=100)
    except (UnicodeDecodeError, ValueError):
        return PlainTextResponse("body is not a valid UTF-8 form", status_code=400)
    params = signature.FormParams(pairs)
    url = signature.signed_url(settings, request.url.path, request.url.query)
    supplied = request.headers.get(signature.SIGNATURE_HEADER, "")
    if not signature.is_valid(choice.token, url, params, supplied, request.headers.get(signature.SETTINGS_HEADER)):
        log.warning("whatsapp webhook: bad or missing signature (url=%s, peer=%s, header=%s)",
                    url, client_host, "present" if supplied else "missing")
        return PlainTextResponse("invalid Twilio signature", status_code=403)
    try:
        result = await ack_connections(settings.database_url).accept(dict(params))
    except inbound.BadMessage as exc:
        return PlainTextResponse(str(exc), status_code=400)
    except (psycopg.OperationalError, psycopg_pool.PoolTimeout) as exc:
        log.error("whatsapp webhook: database unavailable (%s)", type(exc).__name__)
        return PlainTextResponse("temporarily unavailable", status_code=503, headers={"Retry-After": "5"})
    if settings.media_processing == "inline" and not result.duplicate:
        from ..whatsapp import media_worker

        background.add_task(media_worker.drain, settings)  # development: the conversation and media, here
    return twiml([] if result.duplicate else result.replies)
