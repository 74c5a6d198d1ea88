"""Odoo -> Neon: case outcomes via ``bridge_changes`` (cursor + overlap window) and the fault catalog.

The overlap window (records stamped up to ``overlap`` before the cursor, re-read because a long Odoo
transaction can commit after the cursor passed its stamp) is re-read cheaply: ids and write dates
first (``stamps_only``), compared with what Neon holds, then only the records that really changed are
fetched in full (``ids``). Right after a 10,000-case sync that is 10,000 stamps instead of 10,000
full records on every pass for ten minutes."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from psycopg_pool import ConnectionPool

from .. import db
from ..odoo import OdooClient, OdooError
from .logic import (
    advance_cursor,
    case_fields_from_odoo,
    effective_since,
    format_odoo_time,
    odoo_value,
    parse_odoo_time,
)
from .state import get_state, merge_state

log = logging.getLogger(__name__)
CURSOR_KEY = "sync.odoo_cases"

# Odoo-owned columns only (see logic.py for the conflict rule); skipped when nothing changed,
# and never applied over a newer Odoo snapshot.
_APPLY_CASE = """
UPDATE cases c
   SET odoo_id = %(odoo_id)s, odoo_ref = %(odoo_ref)s, odoo_state = %(odoo_state)s,
       warranty_status = COALESCE(%(warranty_status)s, c.warranty_status),
       decision = %(decision)s::jsonb, ticket = %(ticket)s::jsonb, quote = %(quote)s::jsonb,
       odoo_write_date = %(odoo_write_date)s
 WHERE c.id = (SELECT id FROM cases WHERE id = %(neon_id)s
               UNION ALL SELECT id FROM cases WHERE odoo_id = %(odoo_id)s LIMIT 1)
   AND (c.odoo_write_date IS NULL OR %(odoo_write_date)s IS NULL OR c.odoo_write_date <= %(odoo_write_date)s)
   AND (c.odoo_id, c.odoo_ref, c.odoo_state, c.warranty_status, c.decision, c.ticket, c.quote, c.odoo_write_date)
       IS DISTINCT FROM
       (%(odoo_id)s, %(odoo_ref)s, %(odoo_state)s, COALESCE(%(warranty_status)s, c.warranty_status),
        %(decision)s::jsonb, %(ticket)s::jsonb, %(quote)s::jsonb, %(odoo_write_date)s)
"""
_APPLY_TICKET = """
INSERT INTO tickets AS t (name, case_id, odoo_case_id, state, parts_cost, labor_cost, currency, parts, data)
SELECT %(name)s, (SELECT id FROM cases WHERE odoo_id = %(odoo_case_id)s), %(odoo_case_id)s, %(state)s,
       %(parts_cost)s, %(labor_cost)s, %(currency)s, %(parts)s::jsonb, %(data)s::jsonb
ON CONFLICT (name) DO UPDATE
   SET case_id = EXCLUDED.case_id, odoo_case_id = EXCLUDED.odoo_case_id, state = EXCLUDED.state,
       parts_cost = EXCLUDED.parts_cost, labor_cost = EXCLUDED.labor_cost, currency = EXCLUDED.currency,
       parts = EXCLUDED.parts, data = EXCLUDED.data
 WHERE (t.case_id, t.state, t.parts_cost, t.labor_cost, t.currency, t.parts, t.data)
       IS DISTINCT FROM (EXCLUDED.case_id, EXCLUDED.state, EXCLUDED.parts_cost, EXCLUDED.labor_cost,
                         EXCLUDED.currency, EXCLUDED.parts, EXCLUDED.data)
"""
_APPLY_FAULT = """
INSERT INTO fault_catalog AS f (code, name, system, symptoms, keywords, required_evidence, labor_hours, coverage,
                                severity, active, odoo_id)
VALUES (%(code)s, %(name)s, %(system)s, %(symptoms)s, %(keywords)s::jsonb, %(required_evidence)s::jsonb,
        %(labor_hours)s, %(coverage)s, %(severity)s, %(active)s, %(odoo_id)s)
ON CONFLICT (code) DO UPDATE
   SET name = EXCLUDED.name, system = EXCLUDED.system, symptoms = EXCLUDED.symptoms, keywords = EXCLUDED.keywords,
       required_evidence = EXCLUDED.required_evidence, labor_hours = EXCLUDED.labor_hours,
       coverage = EXCLUDED.coverage, severity = EXCLUDED.severity, active = EXCLUDED.active,
       odoo_id = EXCLUDED.odoo_id
 WHERE (f.name, f.system, f.symptoms, f.keywords, f.required_evidence, f.labor_hours, f.coverage, f.severity,
        f.active, f.odoo_id) IS DISTINCT FROM
       (EXCLUDED.name, EXCLUDED.system, EXCLUDED.symptoms, EXCLUDED.keywords, EXCLUDED.required_evidence,
        EXCLUDED.labor_hours, EXCLUDED.coverage, EXCLUDED.severity, EXCLUDED.active, EXCLUDED.odoo_id)
"""


@dataclass
class PullStats:
    read: int = 0
    applied: int = 0
    pages: int = 0
    faults: int = 0
    overlap_stamps: int = 0  # write dates compared in the overlap window
    overlap_fetched: int = 0  # records of the window fetched in full because they changed


def _jsonb(value: object) -> str | None:
    value = odoo_value(value)
    return None if value is None else json.dumps(value, sort_keys=True, default=str)


def _case_params(record: dict) -> dict:
    fields = case_fields_from_odoo(record)
    return dict(fields, neon_id=odoo_value(record.get("neon_id")), decision=_jsonb(fields["decision"]),
                ticket=_jsonb(fields["ticket"]), quote=_jsonb(fields["quote"]))


def _ticket_params(record: dict) -> dict | None:
    ticket = odoo_value(record.get("ticket"))
    if not isinstance(ticket, dict) or not odoo_value(ticket.get("name")):
        return None
    return {"name": ticket["name"], "odoo_case_id": record["id"], "state": odoo_value(ticket.get("state")),
            "parts_cost": odoo_value(ticket.get("parts_cost")), "labor_cost": odoo_value(ticket.get("labor_cost")),
            "currency": odoo_value(ticket.get("currency")), "parts": json.dumps(odoo_value(ticket.get("parts")) or []),
            "data": json.dumps(ticket, sort_keys=True, default=str)}


def pull_changes(
    pool: ConnectionPool,
    odoo: OdooClient,
    *,
    overlap: timedelta = timedelta(minutes=10),
    page_size: int = 500,
    progress: Callable[[PullStats], None] | None = None,
    cheap_overlap: bool = True,
) -> PullStats:
    """``cheap_overlap=False``: the whole window re-read in full (the former way; the benchmark's baseline)."""
    stats = PullStats()

    def load_cursor() -> dict:
        with pool.connection() as conn:
            return get_state(conn, CURSOR_KEY)

    cursor = parse_odoo_time(db.retry(load_cursor, what="read sync cursor").get("since"))
    since_dt = effective_since(cursor, overlap)
    start_after_id = 0
    if cheap_overlap and cursor is not None and since_dt < cursor:
        try:
            start_after_id = _reread_overlap(pool, odoo, since_dt, cursor, stats, page_size)
            since_dt = cursor  # the window is done: the keyset read starts at the cursor itself
        except OdooError as exc:
            if "stamps_only" not in str(exc) and "case_ids" not in str(exc):
                raise
            log.warning("Odoo's bridge_changes has no stamps_only/ids (older postventa): full overlap re-read")
    since = format_odoo_time(since_dt) if since_dt else None
    after_id = start_after_id if since_dt == cursor else 0
    while True:
        answer = odoo.call("postventa.case", "bridge_changes", since=since, limit=page_size, after_id=after_id)
        records = answer.get("records") or []
        stats.pages += 1
        stats.read += len(records)
        if records:
            cursor = advance_cursor(cursor, (parse_odoo_time(odoo_value(r.get("write_date"))) for r in records))
            stats.applied += _apply_page(pool, records, cursor)
        if progress:
            progress(stats)
        nxt = odoo_value(answer.get("next"))
        if not records or not nxt or len(records) < page_size:
            break
        if (nxt["since"], nxt["after_id"]) == (since, after_id):
            log.error("bridge_changes returned the same keyset cursor twice (%s, %s); stopping this pass",
                      since, after_id)
            break
        since, after_id = nxt["since"], nxt["after_id"]
    return stats


STAMPS_PAGE = 10_000


def _reread_overlap(pool: ConnectionPool, odoo: OdooClient, start, cursor, stats: PullStats, page_size: int) -> int:
    """The records stamped in (start, cursor]: their write dates against Neon's copy; the ones that differ
    (or that Neon does not hold) fetched in full and applied. Records after the cursor are left to the
    keyset read that follows, which starts after the last id seen stamped exactly at the cursor (one Odoo
    transaction stamps a whole batch alike). Returns that id."""
    stamps: dict[int, object] = {}
    since, after_id = format_odoo_time(start), 0
    while True:
        answer = odoo.call("postventa.case", "bridge_changes", since=since, limit=STAMPS_PAGE, after_id=after_id,
                           stamps_only=True)
        records = answer.get("records") or []
        stats.pages += 1
        for r in records:
            stamp = parse_odoo_time(odoo_value(r.get("write_date")))
            if stamp is not None and stamp <= cursor:
                stamps[int(r["id"])] = stamp
        nxt = odoo_value(answer.get("next"))
        last = parse_odoo_time(odoo_value(records[-1].get("write_date"))) if records else None
        if not records or not nxt or len(records) < STAMPS_PAGE or (last is not None and last > cursor):
            break
        since, after_id = nxt["since"], nxt["after_id"]
    stats.overlap_stamps = len(stamps)
    at_cursor = max((i for i, stamp in stamps.items() if stamp == cursor), default=0)
    if not stamps:
        return at_cursor

    def held() -> dict[int, object]:
        with pool.connection() as conn:
            rows = conn.execute("SELECT odoo_id, odoo_write_date FROM cases WHERE odoo_id = ANY(%s)",
                                (list(stamps),)).fetchall()
        return {r["odoo_id"]: r["odoo_write_date"] for r in rows}

    neon = db.retry(held, what="read Neon's copy of the overlap window")
    changed = sorted(i for i, stamp in stamps.items() if neon.get(i) != stamp)
    for start_at in range(0, len(changed), page_size):
        chunk = changed[start_at:start_at + page_size]
        answer = odoo.call("postventa.case", "bridge_changes", since=None, limit=len(chunk), after_id=0,
                           case_ids=chunk)
        records = answer.get("records") or []
        stats.pages += 1
        stats.read += len(records)
        stats.overlap_fetched += len(records)
        if records:
            stats.applied += _apply_page(pool, records, None)
    return at_cursor


def _apply_page(pool: ConnectionPool, records: list[dict], cursor) -> int:
    """Apply one page and move the cursor in the same transaction (a crash redoes the page)."""
    params = [_case_params(r) for r in records]
    tickets = [t for t in (_ticket_params(r) for r in records) if t]

    def apply() -> int:
        with pool.connection() as conn, conn.cursor() as cur:
            applied = 0
            for p in params:
                cur.execute(_APPLY_CASE, p)
                applied += cur.rowcount
            if tickets:
                cur.executemany(_APPLY_TICKET, tickets)
            if cursor is not None:
                merge_state(conn, CURSOR_KEY, {"since": format_odoo_time(cursor)})
            return applied

    return db.retry(apply, what="apply Odoo changes")


def pull_catalog(pool: ConnectionPool, odoo: OdooClient) -> int:
    faults = odoo.call("postventa.fault", "bridge_catalog")
    rows = [{
        "code": f["code"], "name": odoo_value(f.get("name")) or f["code"], "system": odoo_value(f.get("system")),
        "symptoms": odoo_value(f.get("symptoms")),
        "keywords": json.dumps(odoo_value(f.get("keywords")) or []),
        "required_evidence": json.dumps(odoo_value(f.get("required_evidence")) or []),
        "labor_hours": odoo_value(f.get("labor_hours")), "coverage": odoo_value(f.get("coverage")),
        "severity": odoo_value(f.get("severity")), "active": bool(f.get("active", True)),
        "odoo_id": odoo_value(f.get("id")),
    } for f in faults if odoo_value(f.get("code"))]
    codes = [r["code"] for r in rows]

    def apply() -> None:
        with pool.connection() as conn, conn.cursor() as cur:
            if rows:
                cur.executemany(_APPLY_FAULT, rows)
            # A fault that left Odoo's catalog is kept (cases refer to it) but marked inactive.
            cur.execute("UPDATE fault_catalog SET active = false WHERE active AND NOT (code = ANY(%s))", (codes,))

    db.retry(apply, what="apply fault catalog")
    return len(rows)
