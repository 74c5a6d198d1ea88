"""``GET /spareparts``: a part by number, free text, or a case/fault's typical parts, from Odoo (JSON-2).

Who may call (docs/security.md): a dealer system with ``ADMIN_API_KEY`` as bearer may ask anything;
a customer (chatbot link, PWA) with a customer token may ask about the cases of the WhatsApp contact in
the token; anyone else gets the public catalogue only (part number, free text, fault code): no case
data, no portal or back-office link, and ``case_id`` is refused with 401.

The answer is Odoo's ``product.product/postventa_spareparts`` as is: the part and its Toyota
equivalence, ``garantia``, ``proveedores`` (price, currency, stock, lead time, url/contact, SLA ok),
``stock`` and ``links``. Its JSON Schema ships with the addon
(``addons/postventa_purchase/schemas/spareparts.json``) and is the OpenAPI response schema here.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

import httpx
import psycopg
import psycopg_pool
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from ..config import Settings
from ..odoo import OdooAuthError, OdooClient, OdooError, OdooNotConfigured, OdooUnavailable
from .deps import POOL_WAIT_S, Caller, get_settings, identify_caller

log = logging.getLogger(__name__)

router = APIRouter(tags=["spareparts"])

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "addons" / "postventa_purchase" / "schemas" / "spareparts.json"
MODEL, METHOD = "product.product", "postventa_spareparts"
# An interactive lookup: fail fast rather than retry for minutes.
ODOO_TIMEOUT = httpx.Timeout(connect=3.0, read=20.0, write=10.0, pool=5.0)
_ALNUM = re.compile(r"[^0-9A-Za-z]+")
_WILDCARDS = re.compile(r"[%_\\]+")  # ilike wildcards and the escape character never reach Odoo
# Odoo errors whose message is written for users; any other error's text stays in the log.
_USER_FACING = {"odoo.exceptions.UserError", "odoo.exceptions.ValidationError", "odoo.exceptions.MissingError",
                "odoo.exceptions.AccessError"}


def _response_schema() -> dict[str, Any]:
    try:
        schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"type": "object"}
    return {k: v for k, v in schema.items() if k not in ("$schema", "$id")}


def _problem(status: int, error: str, detail: str | None = None) -> JSONResponse:
    body: dict[str, Any] = {"error": error}
    if detail:
        body["detail"] = detail
    return JSONResponse(status_code=status, content=body)


@router.get(
    "/spareparts",
    summary="Spare parts: Toyota equivalence, warranty, suppliers with SLA, stock",
    response_description="Parts found, with `garantia`, `proveedores`, `stock` and `links`.",
    responses={
        200: {"content": {"application/json": {"schema": _response_schema()}}},
        400: {"description": "No search criterion given, or a NUL byte in the URL."},
        401: {"description": "case_id without the dealer key or a customer token, or an unknown/expired token."},
        404: {"description": "Unknown case or fault code (or a case that is not the token's customer's)."},
        422: {"description": "A parameter is malformed (the reason says which)."},
        502: {"description": "Odoo answered with an error or refused the bridge's API key."},
        503: {"description": "Odoo is not configured or not reachable."},
    },
)
def spareparts(
    request: Request,
    part_number: str | None = Query(
        None,
        min_length=3,
        max_length=40,
        pattern=r"^[0-9A-Za-z][0-9A-Za-z .\-/]*$",
        description="Any brand's part number, with or without dashes/spaces (e.g. `04465-02220`, `QC1210`).",
    ),
    q: str | None = Query(None, min_length=2, max_length=100, description="Free text: name, brand or number."),
    case_id: int | None = Query(None, ge=1, le=2**31 - 1, description="Odoo case id: its fault's typical parts."),
    fault_code: str | None = Query(
        None,
        min_length=3,
        max_length=20,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9\-]*$",
        description="Fault catalog code (e.g. `BRK-001`): its typical parts.",
    ),
    settings: Settings = Depends(get_settings),
    caller: Caller = Depends(identify_caller),
):
    part_number = part_number.strip() if part_number else None
    text = q.strip() if q else None
    q = " ".join(_WILDCARDS.sub(" ", text).split()) if text else None
    if not any((part_number, text, case_id, fault_code)):
        return _problem(400, "give part_number, q, case_id or fault_code")
    if part_number and len(_ALNUM.sub("", part_number)) < 3:
        return _problem(422, "part_number needs at least 3 letters or digits")
    if text and len(_ALNUM.sub("", q)) < 2:
        return _problem(422, "q needs at least 2 letters or digits (% and _ are not wildcards here)")
    if case_id and caller.kind == "anonymous":
        return _problem(401, "case data needs credentials",
                        "send the dealer key or the customer's token as a bearer token, or ask without case_id")
    if not settings.odoo_enabled:
        return _problem(503, "Odoo is not configured", "set ODOO_URL, ODOO_DB and ODOO_API_KEY to serve /spareparts")
    if case_id and caller.kind == "customer":
        try:
            owner = _case_contact(request, case_id)
        except (psycopg.OperationalError, psycopg_pool.PoolTimeout):
            return _problem(503, "database temporarily unavailable")
        if owner != caller.contact_id:
            return _problem(404, "not found", "no such case for this customer")
    kwargs = {"part_number": part_number, "query": q, "case_id": case_id, "fault_code": fault_code}
    try:
        with OdooClient(settings, timeout=ODOO_TIMEOUT, retries=1, backoff_base=0.2, backoff_cap=1.0) as odoo:
            result = odoo.call(MODEL, METHOD, **{k: v for k, v in kwargs.items() if v is not None})
    except OdooNotConfigured as exc:
        return _problem(503, "Odoo is not configured", exc.message)
    except OdooUnavailable as exc:
        log.warning("spareparts: %s", exc)
        return _problem(503, "Odoo is not reachable")
    except OdooAuthError as exc:
        log.error("spareparts: %s", exc)
        return _problem(502, "Odoo refused the bridge's API key", exc.message)
    except OdooError as exc:
        detail = exc.message if exc.name in _USER_FACING else None
        if exc.status == 404:
            return _problem(404, "not found", detail)
        if exc.status in (400, 422):
            log.info("spareparts: %s", exc)
            return _problem(422, "Odoo rejected the request", detail)
        log.error("spareparts: %s", exc)
        return _problem(502, "Odoo failed")
    if not isinstance(result, dict):
        return _problem(502, "Odoo answered something that is not a spare-parts document")
    return redact(result, caller)


def _case_contact(request: Request, odoo_case_id: int) -> str | None:
    """The WhatsApp contact of an Odoo case, as the channel store knows it (None if it came from elsewhere)."""
    with request.app.state.pool.connection(timeout=POOL_WAIT_S) as conn:
        row = conn.execute("SELECT contact_id FROM cases WHERE odoo_id = %s", (odoo_case_id,)).fetchone()
    return row["contact_id"] if row else None


def redact(result: dict[str, Any], caller: Caller) -> dict[str, Any]:
    """What each caller may see: the dealer everything; a customer no back-office link; anonymous no case."""
    if caller.kind == "dealer":
        return result
    links = result.get("links") if isinstance(result.get("links"), dict) else {}
    result["links"] = {**links, "odoo_case": None}
    if caller.kind == "anonymous":
        result["case"] = None
        result["links"]["quote"] = None
    return result
