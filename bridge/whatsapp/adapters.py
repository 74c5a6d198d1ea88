"""Optional neighbours, reached only if present: ``bridge.rag`` (manuals search) and ``bridge.odoo``.

Both are built by other engineers; nothing here fails when they are missing: the manuals search
degrades to "te comunico con un asesor" and Odoo calls stay queued in ``wa_odoo_calls``.
"""

from __future__ import annotations

import importlib
import inspect
import logging
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from ..config import Settings

log = logging.getLogger(__name__)

# Where a manuals search may live, first found wins. It is called with the arguments it accepts
# among query/text, top_k/limit, settings, conn; it returns ranked passages (dicts or objects).
_SEARCH_CANDIDATES = (
    ("bridge.rag", "query_hybrid"), ("bridge.rag", "search"), ("bridge.rag.search", "query_hybrid"),
    ("bridge.rag.search", "search"), ("bridge.rag.hybrid", "query_hybrid"), ("bridge.rag.hybrid", "search"),
)


def _find(candidates: tuple[tuple[str, str], ...]) -> Callable[..., Any] | None:
    for module_name, attr in candidates:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        fn = getattr(module, attr, None)
        if callable(fn) and not inspect.ismodule(fn):
            return fn
    return None


def _call_with_accepted(fn: Callable[..., Any], available: dict[str, Any]) -> Any:
    params = inspect.signature(fn).parameters
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return fn(**available)
    kwargs = {name: value for name, value in available.items() if name in params}
    return fn(**kwargs)


def search_manuals(query: str, settings: Settings, conn: psycopg.Connection | None = None) -> dict | None:
    """The best manual passage for a question as {"text", "source"}, or None (absent or nothing found)."""
    fn = _find(_SEARCH_CANDIDATES)
    if fn is None:
        return None
    try:
        result = _call_with_accepted(fn, {"query": query, "text": query, "top_k": 3, "limit": 3,
                                          "settings": settings, "conn": conn})
    except Exception as exc:  # noqa: BLE001 - a neighbour's failure must not lose the question
        log.warning("manuals search failed: %s", type(exc).__name__)
        return None
    if isinstance(result, dict):
        result = result.get("results") or result.get("passages") or result.get("items") or []
    for item in result or []:
        get = item.get if isinstance(item, dict) else lambda k, _i=item: getattr(_i, k, None)
        text = get("text") or get("passage") or get("content") or get("chunk")
        if text:
            source = " · ".join(str(s) for s in (get("source"), get("section")) if s) or "manual"
            return {"text": str(text)[:900], "source": source}
    return None


def odoo_client(settings: Settings) -> Any | None:
    """``bridge.odoo.OdooClient(settings)`` when that module exists and Odoo is configured."""
    if not settings.odoo_enabled:
        return None
    try:
        module = importlib.import_module("bridge.odoo")
    except ImportError:
        return None
    cls = getattr(module, "OdooClient", None)
    return cls(settings) if cls else None


def run_odoo_calls(conn: psycopg.Connection, settings: Settings, limit: int = 20) -> int:
    """Make the queued Odoo calls (e.g. ``bridge_accept_quote``); returns how many succeeded."""
    client = odoo_client(settings)
    if client is None:
        return 0
    done = 0
    for _ in range(limit):
        with conn.transaction():
            row = conn.execute(
                "SELECT id, model, method, kwargs, attempts FROM wa_odoo_calls WHERE state = 'pending' "
                "ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1"
            ).fetchone()
            if not row:
                break
            try:
                result = client.call(row["model"], row["method"], **row["kwargs"])
            except Exception as exc:  # noqa: BLE001 - recorded and retried; never the API key
                state = "failed" if row["attempts"] + 1 >= 10 else "pending"
                conn.execute(
                    "UPDATE wa_odoo_calls SET attempts = attempts + 1, state = %s, last_error = %s WHERE id = %s",
                    (state, f"{type(exc).__name__}: {exc}"[:500], row["id"]),
                )
                log.warning("odoo call %s.%s failed (%s)", row["model"], row["method"], type(exc).__name__)
                break
            conn.execute(
                "UPDATE wa_odoo_calls SET attempts = attempts + 1, state = 'done', result = %s WHERE id = %s",
                (Jsonb(result), row["id"]),
            )
            done += 1
    return done


def spare_parts(settings: Settings, case: dict[str, Any]) -> list[dict[str, Any]]:
    """Suggested parts and suppliers for a case from Odoo's ``postventa_spareparts``; [] when unavailable."""
    client = odoo_client(settings)
    if client is None:
        return []
    try:
        data = client.call("product.product", "postventa_spareparts",
                           case_id=case.get("odoo_id"), fault_code=case.get("falla_tipo"))
    except Exception as exc:  # noqa: BLE001 - the message goes out without the parts list
        log.warning("spare parts lookup failed: %s", type(exc).__name__)
        return []
    return parts_from(data)


def parts_from(data: Any) -> list[dict[str, Any]]:
    if not isinstance(data, dict):
        return []
    parts = []
    for supplier in (data.get("proveedores") or [])[:3]:
        if isinstance(supplier, dict):
            parts.append({"name": data.get("name") or data.get("part_number") or "Refacción",
                          "supplier": supplier.get("name"), "price": supplier.get("price"),
                          "currency": supplier.get("currency") or "MXN", "stock": supplier.get("stock")})
    return parts
