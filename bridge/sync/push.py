"""Neon -> Odoo: changed cases and new attachments, one ``bridge_upsert_cases`` call per chunk."""

from __future__ import annotations

import base64
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from psycopg_pool import ConnectionPool

from .. import db
from ..odoo import OdooClient, OdooError
from .logic import case_payload, is_record_rejection, plan_chunks

log = logging.getLogger(__name__)

_DIRTY_IDS = """
SELECT id FROM (
    SELECT id FROM cases WHERE odoo_pushed_rev IS DISTINCT FROM intake_rev AND id > %(after)s
    UNION
    SELECT a.case_id FROM case_attachments a JOIN cases c ON c.id = a.case_id
     WHERE a.odoo_synced_at IS NULL AND a.odoo_sync_error IS NULL AND c.odoo_sync_error IS NULL
       AND a.case_id > %(after)s
) dirty ORDER BY id LIMIT %(limit)s
"""
_COUNT_DIRTY = """
SELECT count(*) AS n FROM (
    SELECT id FROM cases WHERE odoo_pushed_rev IS DISTINCT FROM intake_rev
    UNION
    SELECT a.case_id FROM case_attachments a JOIN cases c ON c.id = a.case_id
     WHERE a.odoo_synced_at IS NULL AND a.odoo_sync_error IS NULL AND c.odoo_sync_error IS NULL
) dirty
"""
_CASES = """
SELECT id, intake_rev, contact_id, customer_name, vin, plate, odo_km, falla_tipo, description,
       evidence_provided, status
  FROM cases WHERE id = ANY(%s) ORDER BY id
"""
_ATTACHMENTS = """
SELECT id, case_id, sha256, content_type, size_bytes, storage_path, evidence_kind
  FROM case_attachments
 WHERE case_id = ANY(%s) AND odoo_synced_at IS NULL AND odoo_sync_error IS NULL
 ORDER BY case_id, id
"""
_MARK_CASES = """
UPDATE cases c
   SET odoo_id = COALESCE(v.odoo_id, c.odoo_id),
       odoo_ref = COALESCE(v.odoo_ref, c.odoo_ref),
       odoo_pushed_rev = v.rev,
       odoo_synced_at = now(),
       odoo_sync_error = v.error
  FROM unnest(%s::bigint[], %s::integer[], %s::text[], %s::bigint[], %s::text[])
       AS v(id, odoo_id, odoo_ref, rev, error)
 WHERE c.id = v.id
"""
# Several runners at once (docs/scaling.md): a runner pushes only the dirty cases of a chunk whose
# transaction-scoped advisory lock it got, and holds the locks until their result is recorded. A runner that
# dies loses its connection and with it the locks (no lease to wait out). Pooler-safe: xact locks only.
PUSH_LOCK_CLASS = 0x70757368  # "push": the first key of pg_try_advisory_xact_lock(int, int)
_LOCK = """
SELECT c.id FROM cases c
 WHERE c.id = ANY(%(ids)s)
   AND (c.odoo_pushed_rev IS DISTINCT FROM c.intake_rev
        OR (c.odoo_sync_error IS NULL AND EXISTS (
            SELECT 1 FROM case_attachments a
             WHERE a.case_id = c.id AND a.odoo_synced_at IS NULL AND a.odoo_sync_error IS NULL)))
   AND pg_try_advisory_xact_lock(%(class)s, mod(c.id, 2147483647)::int)
 ORDER BY c.id
"""
_MARK_ATTACHMENTS = "UPDATE case_attachments SET odoo_synced_at = now() WHERE id = ANY(%s) AND odoo_synced_at IS NULL"
_ATTACHMENT_ERROR = "UPDATE case_attachments SET odoo_sync_error = %s WHERE id = %s"


@dataclass
class PushStats:
    total: int = 0
    pushed: int = 0
    created: int = 0
    errors: int = 0
    attachments: int = 0
    calls: int = 0
    error_samples: list[str] = field(default_factory=list)


def _resolve(storage_path: str, media_dir: str) -> Path:
    path = Path(storage_path)
    return path if path.is_absolute() else Path(media_dir) / path


def _load_attachments(pool: ConnectionPool, rows: list[dict], media_dir: str) -> list[dict]:
    """Attachment rows with their bytes (base64); unreadable ones are flagged, not retried forever."""
    loaded = []
    for row in rows:
        path = _resolve(row["storage_path"], media_dir)
        try:
            data = path.read_bytes()
        except OSError as exc:
            reason = f"bytes unreadable at {row['storage_path']}: {exc.strerror or type(exc).__name__}"
            log.warning("attachment %s of case %s: %s", row["id"], row["case_id"], reason)
            db.retry(lambda r=row, why=reason: _exec(pool, _ATTACHMENT_ERROR, (why, r["id"])),
                     what="flag attachment")
            continue
        loaded.append(dict(row, datas=base64.b64encode(data).decode("ascii"),
                           filename=os.path.basename(row["storage_path"]) or f"{row['sha256']}.bin"))
    return loaded


def _exec(pool: ConnectionPool, sql: str, params: tuple) -> None:
    with pool.connection() as conn:
        conn.execute(sql, params)


def _fetch(pool: ConnectionPool, sql: str, params: tuple | dict) -> list[dict]:
    def run() -> list[dict]:
        with pool.connection() as conn:
            return conn.execute(sql, params).fetchall()
    return db.retry(run, what="read cases to push")


def push_cases(
    pool: ConnectionPool,
    odoo: OdooClient,
    *,
    media_dir: str,
    chunk_size: int = 500,
    max_chunk_bytes: int = 16 * 1024 * 1024,
    progress: Callable[[PushStats], None] | None = None,
    odoo_context: dict | None = None,
) -> PushStats:
    """Push every changed case (and new attachment) once; resumable at any point. Cases another runner
    is pushing (it holds their advisory locks) are left to it."""
    stats = PushStats(total=_fetch(pool, _COUNT_DIRTY, ())[0]["n"])
    after = 0
    while True:
        dirty = [r["id"] for r in _fetch(pool, _DIRTY_IDS, {"after": after, "limit": chunk_size})]
        if not dirty:
            break
        after = dirty[-1]
        # The locks live in this connection's transaction, open until the chunk's results are recorded
        # (through other connections of the pool); closing it releases them.
        with pool.connection() as lock_conn:
            ids = [r["id"] for r in lock_conn.execute(_LOCK, {"ids": dirty, "class": PUSH_LOCK_CLASS}).fetchall()]
            if ids:
                _push_leased(pool, odoo, ids, stats, media_dir, chunk_size, max_chunk_bytes, progress, odoo_context)
    return stats


def _push_leased(pool: ConnectionPool, odoo: OdooClient, ids: list[int], stats: PushStats, media_dir: str,
                 chunk_size: int, max_chunk_bytes: int, progress: Callable[[PushStats], None] | None,
                 odoo_context: dict | None) -> None:
    cases = _fetch(pool, _CASES, (ids,))
    attachments_by_case: dict[int, list[dict]] = {}
    for att in _load_attachments(pool, _fetch(pool, _ATTACHMENTS, (ids,)), media_dir):
        attachments_by_case.setdefault(att["case_id"], []).append(att)
    payloads = [case_payload(c, attachments_by_case.get(c["id"], [])) for c in cases]
    att_ids = [[a["id"] for a in attachments_by_case.get(c["id"], [])] for c in cases]
    sizes = [sum(len(a["datas"]) for a in p["attachments"]) + 512 for p in payloads]
    for chunk in plan_chunks(sizes, max_records=chunk_size, max_bytes=max_chunk_bytes):
        _push_chunk(pool, odoo, [(cases[i], payloads[i], att_ids[i]) for i in chunk], stats, odoo_context)
        if progress:
            progress(stats)


def _push_chunk(pool: ConnectionPool, odoo: OdooClient, items: list[tuple[dict, dict, list[int]]],
                stats: PushStats, odoo_context: dict | None = None) -> None:
    extra = {"context": odoo_context} if odoo_context else {}
    try:
        results = odoo.call("postventa.case", "bridge_upsert_cases", records=[payload for _, payload, _ in items],
                            **extra)
    except OdooError as exc:
        if not is_record_rejection(exc):
            raise
        stats.calls += 1
        if len(items) > 1:
            # One bad record made Odoo refuse the whole call: halve until it is isolated.
            half = len(items) // 2
            _push_chunk(pool, odoo, items[:half], stats, odoo_context)
            _push_chunk(pool, odoo, items[half:], stats, odoo_context)
            return
        results = [{"neon_id": items[0][0]["id"], "error": f"HTTP {exc.status}: {exc.message}"}]
    else:
        stats.calls += 1
    by_neon = {r.get("neon_id"): r for r in results if isinstance(r, dict)}
    ids, odoo_ids, refs, revs, errors, synced_attachments = [], [], [], [], [], []
    for case, _payload, attachment_ids in items:
        result = by_neon.get(case["id"])
        if result is None:
            # Not acknowledged: leave it dirty, the next pass sends it again (the upsert is idempotent).
            log.warning("case %s: Odoo returned no result for it", case["id"])
            continue
        error = result.get("error")
        ids.append(case["id"])
        odoo_ids.append(result.get("id"))
        refs.append(result.get("name"))
        revs.append(case["intake_rev"])
        errors.append(str(error)[:1000] if error else None)
        if error:
            stats.errors += 1
            if len(stats.error_samples) < 5:
                stats.error_samples.append(f"case {case['id']}: {error}")
            log.warning("case %s rejected by Odoo: %s", case["id"], error)
            continue
        stats.pushed += 1
        stats.created += bool(result.get("created"))
        synced_attachments.extend(attachment_ids)

    def mark() -> None:
        with pool.connection() as conn:
            conn.execute(_MARK_CASES, (ids, odoo_ids, refs, revs, errors))
            if synced_attachments:
                conn.execute(_MARK_ATTACHMENTS, (synced_attachments,))

    db.retry(mark, what="record pushed cases")
    stats.attachments += len(synced_attachments)

