"""``/app/`` (the customer's PWA shell) and ``/app/api/...`` (its JSON API), docs/pwa.md.

Who may call: the shell is public; every ``/app/api`` route needs a customer token (``auth.require_customer``)
and reads or writes only the cases of that token's WhatsApp contact (any other case id is a 404).
Writes take the channel's own paths: evidence goes through the media pipeline's checks and
``record_attachment``; accepting a quote is ``store.accept_quote`` (the queued ``bridge_accept_quote`` call
"acepto" makes on WhatsApp, so Odoo stays the one producer of ``quote.accepted``); asking for a quote
queues ``bridge_request_quote`` with WhatsApp's dedupe key; an erasure request is recorded for staff.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from typing import Any

import httpx
import psycopg
from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from ..api.deps import get_conn, get_settings
from ..config import Settings
from ..odoo import OdooClient, OdooError
from ..whatsapp import conversation, media, store
from ..whatsapp.media_worker import record_attachment
from . import shell, views
from .auth import Customer, require_customer

log = logging.getLogger(__name__)

router = APIRouter()
router.include_router(shell.router)
api = APIRouter(prefix="/app/api", tags=["customer app"], dependencies=[Depends(require_customer)])

CASE_COLUMNS = ("id, contact_id, status, vin, plate, odo_km, falla_tipo, description, warranty_status, decision, "
                "ticket, quote, odoo_id, odoo_ref, odoo_state, evidence_required, evidence_provided, "
                "intake_completed_at, quote_accepted_at, created_at, updated_at")
CaseId = Path(..., ge=1, le=2**62, description="the case id shown in the app")
ODOO_TIMEOUT = httpx.Timeout(connect=3.0, read=20.0, write=10.0, pool=5.0)


def _owned_case(conn: psycopg.Connection, customer: Customer, case_id: int, *, lock: bool = False) -> dict:
    row = conn.execute(f"SELECT {CASE_COLUMNS} FROM cases WHERE id = %s AND contact_id = %s"
                       + (" FOR UPDATE" if lock else ""), (case_id, customer.contact_id)).fetchone()
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no encontramos ese caso entre los tuyos")
    return row


def _quote_event(conn: psycopg.Connection, case_id: int) -> dict | None:
    row = conn.execute(
        "SELECT data FROM events WHERE type = 'quote.approved' AND (subject = %s OR data->>'neon_id' = %s) "
        "ORDER BY seq DESC LIMIT 1", (f"case/{case_id}", str(case_id)),
    ).fetchone()
    return row["data"] if row and isinstance(row["data"], dict) else None


def _view(conn: psycopg.Connection, case: dict) -> dict[str, Any]:
    fault = conn.execute("SELECT name FROM fault_catalog WHERE code = %s", (case["falla_tipo"],)).fetchone() \
        if case["falla_tipo"] else None
    declined = conn.execute("SELECT 1 FROM app_requests WHERE case_id = %s AND kind = 'quote_declined' "
                            "AND contact_id = %s", (case["id"], case["contact_id"])).fetchone()
    view = views.case_view(case, fault["name"] if fault else None, _quote_event(conn, case["id"]), bool(declined))
    if view["can_request_quote"] and conn.execute(
            "SELECT 1 FROM wa_odoo_calls WHERE dedupe_key = %s", (f"request_quote:{case['id']}",)).fetchone():
        view.update(can_request_quote=False, quote_requested=True)
    return view


def _mask(contact_id: str) -> str:
    number = contact_id.removeprefix("whatsapp:")
    return number[:4] + "•" * max(0, len(number) - 6) + number[-2:]


@api.get("/me", summary="The customer's cases: timeline, evidence, decision, ticket, quote")
def me(customer: Customer = Depends(require_customer), conn: psycopg.Connection = Depends(get_conn)) -> dict:
    rows = conn.execute(f"SELECT {CASE_COLUMNS} FROM cases WHERE contact_id = %s ORDER BY id DESC LIMIT 50",
                        (customer.contact_id,)).fetchall()
    contact = conn.execute("SELECT profile_name FROM wa_contacts WHERE contact_id = %s",
                           (customer.contact_id,)).fetchone()
    return {"contact": _mask(customer.contact_id), "name": contact["profile_name"] if contact else None,
            "link_expires_at": customer.expires_at, "cases": [_view(conn, row) for row in rows]}


@api.get("/cases/{case_id}", summary="One of the customer's cases")
def case_detail(case_id: int = CaseId, customer: Customer = Depends(require_customer),
                conn: psycopg.Connection = Depends(get_conn)) -> dict:
    return _view(conn, _owned_case(conn, customer, case_id))


@api.post("/cases/{case_id}/evidence", status_code=201,
          summary="Upload one evidence file (raw body; Content-Type image/jpeg, image/png, image/webp, "
                  "video/mp4, application/pdf…); same checks and dedupe as WhatsApp media")
async def upload_evidence(
    request: Request,
    case_id: int = CaseId,
    kind: str | None = Query(None, max_length=60, pattern=r"^[a-z0-9_]+$", description="evidence code"),
    customer: Customer = Depends(require_customer),
    settings: Settings = Depends(get_settings),
) -> dict:
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    limit = media.LIMITS.get(content_type)
    if limit is None:
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
                            "tipo de archivo no aceptado: envía una foto (JPG, PNG, WebP), un video MP4 o un PDF")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"el archivo pasa de {limit // media.MB} MB")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"el archivo pasa de {limit // media.MB} MB")
        chunks.append(chunk)
    data = b"".join(chunks)
    if not data:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "el archivo está vacío")
    if not media.looks_like(content_type, data):
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
                            f"el contenido no parece {content_type}: vuelve a tomar la foto o elige otro archivo")
    item = media.Downloaded(data, content_type, hashlib.sha256(data).hexdigest())
    return await run_in_threadpool(_store_upload, request, customer, settings, case_id, kind, item)


def _store_upload(request: Request, customer: Customer, settings: Settings, case_id: int, kind: str | None,
                  item: media.Downloaded) -> dict:
    with request.app.state.pool.connection(timeout=2.0) as conn:
        case = _owned_case(conn, customer, case_id)
        if kind and kind not in (case["evidence_required"] or []):
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "ese tipo de evidencia no se pide en tu caso")
        path = media.store_bytes(settings.media_dir, item)
        with conn.transaction():
            state = store.lock_state(conn, customer.contact_id)
            attachment = record_attachment(conn, case_id, customer.contact_id, item, path, "app:upload", kind, None,
                                           key=f"app:{item.sha256}")
            out = (conversation.evidence_stored(state, case_id, kind) if attachment["credited"]
                   else conversation.evidence_duplicate(state, case_id, kind, attachment["evidence_kind"]))
            if out.case_patch:
                store.patch_case(conn, case_id, out.case_patch)
            if state:
                store.save_state(conn, customer.contact_id, out.state)
            for i, body in enumerate(out.replies):
                store.enqueue_message(conn, f"app:{case_id}:{item.sha256}:{i}", customer.contact_id, case_id,
                                      "intake", body)
            case = _owned_case(conn, customer, case_id)
            if case["evidence_required"] and set(case["evidence_required"]) <= set(case["evidence_provided"] or []) \
                    and case["status"] not in ("complete",):
                store.patch_case(conn, case_id, {"status": "complete"})
                case = _owned_case(conn, customer, case_id)
        log.info("app upload case=%s: %s (%s, %d bytes, kind=%s, duplicate=%s)", case_id, item.sha256[:12],
                 item.content_type, item.size, kind, not attachment["inserted"])
        return {"attachment_id": attachment["id"], "sha256": item.sha256, "duplicate": not attachment["inserted"],
                "evidence_kind": kind, "case": _view(conn, case)}


@api.post("/cases/{case_id}/quote-request", status_code=202,
          summary="Ask for a quote for a no-eligible case (queued bridge_request_quote, as on WhatsApp)")
def request_quote(case_id: int = CaseId, customer: Customer = Depends(require_customer),
                  conn: psycopg.Connection = Depends(get_conn)) -> dict:
    with conn.transaction():
        case = _owned_case(conn, customer, case_id, lock=True)
        if case["warranty_status"] != "no_eligible":
            raise HTTPException(status.HTTP_409_CONFLICT, "solo se cotiza un caso que la garantía no cubre")
        state = store.lock_state(conn, customer.contact_id)
        if state.get("quote_offer_case_id") == case_id:
            state.pop("quote_offer_case_id")
            store.save_state(conn, customer.contact_id, state)
        store.queue_odoo_call(conn, f"request_quote:{case_id}", "postventa.case", "bridge_request_quote",
                              {"neon_id": case_id})
    return {"queued": True, "case": _view(conn, _owned_case(conn, customer, case_id))}


def _answerable_quote(conn: psycopg.Connection, case: dict) -> dict:
    quote = views.quote_view(case, _quote_event(conn, case["id"]))
    if quote is None:
        raise HTTPException(status.HTTP_409_CONFLICT, "tu caso no tiene una cotización aprobada")
    return quote


@api.post("/cases/{case_id}/quote/accept", status_code=202,
          summary="Accept the approved quote: the same queued bridge_accept_quote call as 'acepto' on WhatsApp")
def accept(case_id: int = CaseId, customer: Customer = Depends(require_customer),
           conn: psycopg.Connection = Depends(get_conn)) -> dict:
    with conn.transaction():
        case = _owned_case(conn, customer, case_id, lock=True)
        quote = _answerable_quote(conn, case)
        if quote["state"] not in ("draft", "sent", "sale"):
            raise HTTPException(status.HTTP_409_CONFLICT, "esa cotización ya no se puede aceptar")
        state = store.lock_state(conn, customer.contact_id)
        ref = str(quote["name"] or "")
        if state.get("quote_case_id") == case_id:  # WhatsApp's "acepto" now has nothing left to accept
            ref = str(state.pop("quote_ref", None) or ref)
            state.pop("quote_case_id")
            store.save_state(conn, customer.contact_id, state)
        store.accept_quote(conn, customer.contact_id, case_id, ref)
    return {"accepted": True, "case": _view(conn, _owned_case(conn, customer, case_id))}


@api.post("/cases/{case_id}/quote/decline", status_code=202,
          summary="Decline the approved quote: recorded for staff and an advisor is asked to follow up")
def decline(case_id: int = CaseId, customer: Customer = Depends(require_customer),
            conn: psycopg.Connection = Depends(get_conn)) -> dict:
    with conn.transaction():
        case = _owned_case(conn, customer, case_id, lock=True)
        quote = _answerable_quote(conn, case)
        if quote["accepted"]:
            raise HTTPException(status.HTTP_409_CONFLICT, "ya aceptaste esa cotización; habla con tu asesor")
        ref = str(quote["name"] or "")
        note = f"El cliente rechazó la cotización {ref} desde la app."
        conn.execute("INSERT INTO app_requests (contact_id, case_id, kind, dedupe_key, note) "
                     "VALUES (%s, %s, 'quote_declined', %s, %s) ON CONFLICT (dedupe_key) DO NOTHING",
                     (customer.contact_id, case_id, f"quote_declined:{case_id}:{ref}", note))
        store.queue_odoo_call(conn, f"handoff:app-decline:{case_id}:{ref}", "postventa.case", "bridge_handoff",
                              {"neon_id": case_id, "note": note})
    return {"declined": True, "case": _view(conn, _owned_case(conn, customer, case_id))}


@api.get("/cases/{case_id}/spareparts", summary="Suggested parts and national suppliers for the case")
def case_spareparts(case_id: int = CaseId, customer: Customer = Depends(require_customer),
                    settings: Settings = Depends(get_settings), conn: psycopg.Connection = Depends(get_conn)) -> dict:
    case = _owned_case(conn, customer, case_id)
    if not settings.odoo_enabled:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "las refacciones no están disponibles por ahora")
    kwargs = {"case_id": case["odoo_id"]} if case["odoo_id"] else {"fault_code": case["falla_tipo"]}
    if not any(kwargs.values()):
        return {"parts": []}
    try:
        with OdooClient(settings, timeout=ODOO_TIMEOUT, retries=1, backoff_base=0.2, backoff_cap=1.0) as odoo:
            result = odoo.call("product.product", "postventa_spareparts", **kwargs)
    except OdooError as exc:
        log.warning("app spareparts case=%s: %s", case_id, exc)
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "no pudimos consultar las refacciones") from None
    except Exception as exc:  # noqa: BLE001 - Odoo unreachable or misconfigured: the customer sees a 503
        log.warning("app spareparts case=%s: %s", case_id, type(exc).__name__)
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "no pudimos consultar las refacciones") from None
    return views.parts_view(result) if isinstance(result, dict) else {"parts": []}


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid")
    query: str = Field(min_length=2, max_length=500)


@api.post("/ask", summary="Ask the technical manuals (/query_hybrid): the answer's cited passages")
def ask(body: Question, request: Request, conn: psycopg.Connection = Depends(get_conn)) -> dict:
    from ..api.query import get_searcher

    text = " ".join(body.query.replace("\x00", " ").split())
    if len(text) < 2:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "escribe tu pregunta")
    try:
        corpus, result = get_searcher(request).search(conn, text, 3)
    except psycopg.errors.UndefinedTable:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "el manual no está disponible por ahora") from None
    passages = []
    for hit in result.hits:
        entry = corpus.entries[corpus.position[hit.passage_id]]
        passages.append({"text": entry.text[:700], "source": entry.title or entry.source,
                         "section": " > ".join(entry.section_path), "page": entry.page})
    return {"query": text, "passages": passages}


@api.get("/my-data", summary="What the dealer keeps about this contact (channel store)")
def my_data(customer: Customer = Depends(require_customer), conn: psycopg.Connection = Depends(get_conn)) -> dict:
    contact = conn.execute("SELECT profile_name, created_at, last_inbound_at FROM wa_contacts WHERE contact_id = %s",
                           (customer.contact_id,)).fetchone() or {}
    cases = conn.execute("SELECT id, vin, plate, odo_km, description, created_at FROM cases WHERE contact_id = %s "
                         "ORDER BY id", (customer.contact_id,)).fetchall()
    files = conn.execute(
        "SELECT a.case_id, a.content_type, a.size_bytes, a.evidence_kind, a.first_seen_at FROM case_attachments a "
        "JOIN cases c ON c.id = a.case_id WHERE c.contact_id = %s ORDER BY a.id", (customer.contact_id,)).fetchall()
    messages = conn.execute("SELECT count(*) AS n FROM wa_inbound WHERE contact_id = %s",
                            (customer.contact_id,)).fetchone()["n"]
    erasure = conn.execute("SELECT created_at FROM app_requests WHERE contact_id = %s AND kind = 'erasure' "
                           "AND state = 'open' ORDER BY id DESC LIMIT 1", (customer.contact_id,)).fetchone()
    return {"contact": _mask(customer.contact_id), "name": contact.get("profile_name"),
            "since": contact.get("created_at"), "last_message_at": contact.get("last_inbound_at"),
            "messages": messages, "cases": cases, "files": files,
            "erasure_requested_at": erasure["created_at"] if erasure else None}


@api.post("/erasure-request", status_code=202,
          summary="Ask the dealer to erase this contact's data (recorded for staff, not executed here)")
def erasure_request(customer: Customer = Depends(require_customer),
                    conn: psycopg.Connection = Depends(get_conn)) -> dict:
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"app-erasure:{customer.contact_id}",))
        row = conn.execute("SELECT id, created_at FROM app_requests WHERE contact_id = %s AND kind = 'erasure' "
                           "AND state = 'open'", (customer.contact_id,)).fetchone()
        if row is None:
            row = conn.execute(
                "INSERT INTO app_requests (contact_id, kind, dedupe_key, note) VALUES (%s, 'erasure', %s, %s) "
                "RETURNING id, created_at",
                (customer.contact_id, f"erasure:{uuid.uuid4()}", "Solicitud de borrado desde la app"),
            ).fetchone()
    log.info("app erasure request %s recorded for staff", row["id"])
    return {"requested": True, "requested_at": row["created_at"]}


router.include_router(api)
