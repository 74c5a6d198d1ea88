"""CloudEvents 1.0 envelopes and their idempotent insertion into the Neon `events` feed."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import psycopg

from . import tracing

BRIDGE_SOURCE = "urn:postventa:bridge"


def make_event(
    type_: str,
    data: dict[str, Any],
    *,
    subject: str | None = None,
    source: str = BRIDGE_SOURCE,
    event_id: str | None = None,
    time: datetime | None = None,
    trace_id: str | None = None,
) -> dict[str, Any]:
    """A CloudEvents 1.0 structured-mode envelope (JSON), with the distributed-tracing extension:
    ``traceparent`` carries the case's trace (from ``trace_id``, a ``case/<neon id>`` subject or the
    current case context), else a trace of its own."""
    trace_id = trace_id or tracing.subject_trace_id(subject) or tracing.current_trace_id()
    return {
        "specversion": "1.0",
        "id": event_id or str(uuid.uuid4()),
        "type": type_,
        "source": source,
        "time": (time or datetime.now(UTC)).isoformat().replace("+00:00", "Z"),
        "subject": subject,
        "datacontenttype": "application/json",
        "data": data,
        "traceparent": tracing.traceparent(trace_id),
    }


def insert_event(conn: psycopg.Connection, event: dict[str, Any], *, ordering_key: str | None = None) -> bool:
    """Store an event once per id. Returns True when it was new."""
    cur = conn.execute(
        """
        INSERT INTO events (id, type, source, subject, time, data, ordering_key, traceparent)
        VALUES (%s, %s, %s, %s, %s, %s::jsonb, %s, %s)
        ON CONFLICT (id) DO NOTHING
        """,
        (
            event["id"],
            event["type"],
            event["source"],
            event.get("subject"),
            event["time"],
            json.dumps(event.get("data") or {}),
            ordering_key or event.get("subject"),
            event.get("traceparent") if tracing.parse_traceparent(event.get("traceparent")) else None,
        ),
    )
    return cur.rowcount == 1
