"""Optional neighbours, reached only if present: ``bridge.rag`` (manuals search) and ``bridge.odoo``.

Both are built by other engineers; nothing here fails when they are missing: the manuals search
degrades to "te comunico con un asesor" and Odoo calls stay queued in ``wa_odoo_calls``.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from .. import db
from ..config import Settings
from .messages import msg
from .parsing import Fault

log = logging.getLogger(__name__)

_searcher_cache: dict[str, Any] = {}
_searcher_lock = threading.Lock()


def _searcher(settings: Settings) -> Any | None:
    """``bridge.rag.search.build_searcher`` once per process (it may load an embedder), or None if absent."""
    with _searcher_lock:
        if "searcher" not in _searcher_cache:
            try:
                from ..rag.search import build_searcher
            except ImportError:
                _searcher_cache["searcher"] = None
            else:
                _searcher_cache["searcher"] = build_searcher(settings, lambda: db.connect(settings.database_url))
        return _searcher_cache["searcher"]


def search_manuals(query: str, settings: Settings, conn: psycopg.Connection) -> dict | None:
    """The best manual passage for a question as {"text", "source"}, or None (no RAG, no manuals, no hit)."""
    try:
        searcher = _searcher(settings)
        if searcher is None:
            return None
        corpus, result = searcher.search(conn, query, 3)
        if not result.hits:
            return None
        entry = corpus.entries[corpus.position[result.hits[0].passage_id]]
    except Exception as exc:  # noqa: BLE001 - a neighbour's failure must not lose the question
        log.warning("manuals search unavailable: %s", type(exc).__name__)
        return None
    section = " > ".join(entry.section_path)
    source = " · ".join(part for part in (entry.title or entry.source, section) if part) or "manual"
    return {"text": entry.text[:900], "source": source}


_matcher_cache: dict[tuple, Any] = {}


def fault_matcher(faults: list[Fault]) -> Callable[[str], list[str]] | None:
    """BM25 over the fault catalog with ``bridge.rag``'s Spanish analyzer (synonyms, stems, misspellings).

    In-process and microseconds per query, so the webhook may use it; None without ``bridge.rag``.
    Built once per catalog content.
    """
    key = tuple((f.code, f.name, f.system, f.symptoms, f.keywords) for f in faults)
    if key in _matcher_cache:
        return _matcher_cache[key]
    try:
        from ..rag.analyzer import analyze
        from ..rag.bm25 import BM25Index
    except ImportError:
        matcher = None
    else:
        codes = [f.code for f in faults]
        documents = [f"{f.name} {f.name} {' '.join(f.keywords)} {f.system} {f.symptoms}" for f in faults]
        index = BM25Index([analyze(doc) for doc in documents]) if faults else None

        def matcher(text: str) -> list[str]:
            if index is None:
                return []
            return [codes[i] for i, _ in index.top_k(analyze(text), 3)]

    if len(_matcher_cache) > 8:
        _matcher_cache.clear()
    _matcher_cache[key] = matcher
    return matcher


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
    try:
        return _run_calls(conn, client, limit)
    finally:
        client.close()


def _run_calls(conn: psycopg.Connection, client: Any, limit: int) -> int:
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
    finally:
        client.close()
    return parts_from(data)


def parts_from(data: Any) -> list[dict[str, Any]]:
    if not isinstance(data, dict):
        return []
    parts = []
    for supplier in (data.get("proveedores") or [])[:3]:
        if isinstance(supplier, dict):
            parts.append({"name": data.get("name") or data.get("part_number") or msg("part_default"),
                          "supplier": supplier.get("name"), "price": supplier.get("price"),
                          "currency": supplier.get("currency") or "MXN", "stock": supplier.get("stock")})
    return parts
