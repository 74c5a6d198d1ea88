"""Neon side of event delivery: the outbox copy, claiming due events in per-key order, results,
endpoint state, manual redelivery, and what still has to be reported to Odoo."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

import psycopg

from .. import tracing
from ..sync.logic import parse_odoo_time
from .policy import GONE, Outcome

_INSERT_EVENT = """
INSERT INTO events (id, type, source, subject, time, data, ordering_key, odoo_outbox_id, traceparent)
VALUES (%s, %s, %s, %s, %s, %s::jsonb, %s, %s, %s)
ON CONFLICT (id) DO NOTHING
"""

# Only the oldest open event of each ordering key is eligible: a later event of the same case
# waits until the earlier one is delivered or dead. Leases keep two dispatchers apart without
# holding a transaction open during HTTP (transaction-mode pooler friendly).
# The heads are found in one pass over the open-key index (DISTINCT ON), not by probing every open
# event for an earlier one; the few candidates are then locked and checked again.
_CLAIM = """
WITH heads AS (
    SELECT DISTINCT ON (ordering_key) event_id, seq, next_attempt_at, leased_until
      FROM event_deliveries
     WHERE state IN ('pending', 'failed') AND ordering_key IS NOT NULL
     ORDER BY ordering_key, seq
), candidates AS (
    SELECT event_id, seq FROM heads
     WHERE next_attempt_at <= %(now)s AND (leased_until IS NULL OR leased_until <= %(now)s)
    UNION ALL
    SELECT event_id, seq FROM event_deliveries
     WHERE state IN ('pending', 'failed') AND ordering_key IS NULL AND next_attempt_at <= %(now)s
       AND (leased_until IS NULL OR leased_until <= %(now)s)
), due AS (
    SELECT d.event_id FROM event_deliveries d
     WHERE d.event_id = ANY (ARRAY(SELECT event_id FROM candidates ORDER BY seq LIMIT %(limit)s * 2))
       AND d.state IN ('pending', 'failed') AND d.next_attempt_at <= %(now)s
       AND (d.leased_until IS NULL OR d.leased_until <= %(now)s)
       AND (d.ordering_key IS NULL OR NOT EXISTS (
            SELECT 1 FROM event_deliveries p
             WHERE p.ordering_key = d.ordering_key AND p.state IN ('pending', 'failed') AND p.seq < d.seq))
     ORDER BY d.seq LIMIT %(limit)s
     FOR UPDATE SKIP LOCKED
)
UPDATE event_deliveries d SET leased_until = %(lease)s
  FROM events e
 WHERE d.event_id = ANY (ARRAY(SELECT event_id FROM due)) AND e.id = d.event_id
RETURNING d.event_id, d.seq, d.attempts, d.ordering_key, e.odoo_outbox_id IS NOT NULL AS from_odoo,
          e.type, e.source, e.subject, e.time, e.data, e.traceparent
"""

# All results of a flush in one statement (one round trip, one plan), attempts logged alongside.
_RECORD_ALL = """
WITH r AS (
    SELECT * FROM jsonb_to_recordset(%s::jsonb) AS x(
        event_id uuid, state text, attempts integer, next_at timestamptz, status integer, error text,
        now timestamptz, from_odoo boolean, endpoint text, duration_ms integer, logged boolean)
), updated AS (
    UPDATE event_deliveries d
       SET state = r.state, attempts = r.attempts, next_attempt_at = COALESCE(r.next_at, d.next_attempt_at),
           leased_until = NULL, last_status = r.status, last_error = r.error,
           delivered_at = CASE WHEN r.state = 'delivered' THEN r.now ELSE d.delivered_at END,
           needs_report = d.needs_report OR r.from_odoo
      FROM r
     WHERE d.event_id = r.event_id
)
INSERT INTO event_delivery_attempts (event_id, attempt, endpoint, attempted_at, status_code, error, duration_ms)
SELECT event_id, attempts, endpoint, now, status, error, duration_ms FROM r WHERE logged
"""

def envelope_row(event: dict[str, Any], outbox_id: int | None) -> tuple | None:
    """The ``events`` row for an envelope, or None when it cannot be stored at all."""
    try:
        event_id = str(uuid.UUID(str(event["id"])))
        time = parse_odoo_time(event["time"])
        type_, source = str(event["type"]), str(event["source"])
    except (KeyError, TypeError, ValueError):
        return None
    if not type_ or not source or time is None:
        return None
    subject = event.get("subject") or None
    data = event.get("data") if isinstance(event.get("data"), dict) else {}
    traceparent = event.get("traceparent") if tracing.parse_traceparent(event.get("traceparent")) else None
    return (event_id, type_, source, subject, time, json.dumps(data), subject, outbox_id, traceparent)


def insert_pulled(conn: psycopg.Connection, rows: list[tuple]) -> int:
    with conn.cursor() as cur:
        inserted = 0
        for row in rows:
            cur.execute(_INSERT_EVENT, row)
            inserted += cur.rowcount
        return inserted


def to_envelope(row: dict[str, Any]) -> dict[str, Any]:
    envelope = {
        "specversion": "1.0",
        "id": str(row["event_id"] if "event_id" in row else row["id"]),
        "type": row["type"],
        "source": row["source"],
        "subject": row["subject"],
        "time": row["time"].isoformat().replace("+00:00", "Z"),
        "datacontenttype": "application/json",
        "data": row["data"],
    }
    if row.get("traceparent"):  # CloudEvents distributed-tracing extension
        envelope["traceparent"] = row["traceparent"]
    return envelope


def claim_due(conn: psycopg.Connection, now: datetime, lease_until: datetime, limit: int) -> list[dict]:
    rows = conn.execute(_CLAIM, {"now": now, "lease": lease_until, "limit": limit}).fetchall()
    return sorted(rows, key=lambda r: r["seq"])


def record_results(conn: psycopg.Connection, results: list[dict[str, Any]]) -> None:
    """``results``: dicts with event_id, attempts, state, next_at, status, error, now, from_odoo,
    endpoint, duration_ms, logged (False for a skipped attempt, e.g. an invalid event)."""
    if results:
        rows = [{**r, "event_id": str(r["event_id"]), "logged": r.get("logged", True)} for r in results]
        conn.execute(_RECORD_ALL, (json.dumps(rows, default=_iso),))


def _iso(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def result_row(claim: dict, outcome: Outcome, *, attempts: int, status: int | None, error: str | None,
               now: datetime, endpoint: str, duration_ms: int | None, logged: bool = True) -> dict[str, Any]:
    return {"event_id": claim["event_id"], "attempts": attempts, "state": outcome.state,
            "next_at": outcome.next_attempt_at, "status": status, "error": error, "now": now,
            "from_odoo": bool(claim["from_odoo"]) and outcome.kind != GONE, "endpoint": endpoint,
            "duration_ms": duration_ms, "logged": logged}


def endpoint_disabled(conn: psycopg.Connection, url: str) -> str | None:
    row = conn.execute("SELECT disabled_reason FROM webhook_endpoints WHERE url = %s AND disabled_at IS NOT NULL",
                       (url,)).fetchone()
    return row["disabled_reason"] if row else None


def set_endpoint(conn: psycopg.Connection, url: str, *, disabled_reason: str | None, now: datetime) -> None:
    conn.execute(
        """INSERT INTO webhook_endpoints (url, disabled_at, disabled_reason) VALUES (%s, %s, %s)
           ON CONFLICT (url) DO UPDATE SET disabled_at = EXCLUDED.disabled_at,
                                           disabled_reason = EXCLUDED.disabled_reason, updated_at = now()""",
        (url, now if disabled_reason else None, disabled_reason),
    )


def redeliver(conn: psycopg.Connection, event_id: str, now: datetime) -> dict | None:
    """Queue an event again (dead letter, failed or delivered): a fresh retry schedule from now."""
    return conn.execute(
        """UPDATE event_deliveries
              SET state = 'pending', attempts = 0, next_attempt_at = %s, leased_until = NULL,
                  needs_report = EXISTS (SELECT 1 FROM events e WHERE e.id = event_id AND e.odoo_outbox_id IS NOT NULL)
            WHERE event_id = %s
        RETURNING event_id, state, attempts, next_attempt_at, last_status, last_error, delivered_at""",
        (now, event_id),
    ).fetchone()


def pending_reports(conn: psycopg.Connection, limit: int = 500) -> list[dict]:
    return conn.execute(
        """SELECT event_id, state, attempts, last_error FROM event_deliveries
            WHERE needs_report ORDER BY seq LIMIT %s""",
        (limit,),
    ).fetchall()


def mark_reported(conn: psycopg.Connection, reported: list[dict]) -> None:
    """Clear the flag only if nothing changed since the report was built."""
    with conn.cursor() as cur:
        cur.executemany(
            """UPDATE event_deliveries SET needs_report = false, reported_state = %(state)s
                WHERE event_id = %(event_id)s AND state = %(state)s AND attempts = %(attempts)s""",
            reported,
        )
