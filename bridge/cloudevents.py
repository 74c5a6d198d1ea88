"""CloudEvents 1.0 envelopes and their idempotent insertion into the Neon `events` feed."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import psycopg

BRIDGE_SOURCE = "urn:postventa:bridge"


def make_event(
    type_: str,
    data: dict[str, Any],
    *,
    subject: str | None = None,
    source: str = BRIDGE_SOURCE,
    event_id: str | None = None,
    time: datetime | None = None,
) -> dict[str, Any]:
    """A CloudEvents 1.0 structured-mode envelope (JSON)."""
    return {
        "specversion": "1.0",
        "id": event_id or str(uuid.uuid4()),
        "type": type_,
        "source": source,
        "time": (time or datetime.now(UTC)).isoformat().replace("+00:00", "Z"),
        "subject": subject,
        "datacontenttype": "application/json",
        "data": data,
    }


def insert_event(conn: psycopg.Connection, event: dict[str, Any], *, ordering_key: str | None = None) -> bool:
    """Store an event once per id. Returns True when it was new."""
    cur = conn.execute(
        """
        INSERT INTO events (id, type, source, subject, time, data, ordering_key)
        VALUES (%s, %s, %s, %s, %s, %s::jsonb, %s)
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
        ),
    )
    return cur.rowcount == 1
