"""Small persistent state in Neon's ``bridge_state`` (cursors, worker status), read by /healthz."""

from __future__ import annotations

import json
from typing import Any

import psycopg


def get_state(conn: psycopg.Connection, key: str) -> dict[str, Any]:
    row = conn.execute("SELECT value FROM bridge_state WHERE key = %s", (key,)).fetchone()
    if row is None:
        return {}
    return row["value"] if isinstance(row, dict) else row[0]


def put_state(conn: psycopg.Connection, key: str, value: dict[str, Any]) -> None:
    conn.execute(
        """INSERT INTO bridge_state (key, value, updated_at) VALUES (%s, %s::jsonb, now())
           ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()""",
        (key, json.dumps(value, default=str)),
    )


def merge_state(conn: psycopg.Connection, key: str, patch: dict[str, Any]) -> None:
    """Shallow-merge ``patch`` into the stored value (one statement, no read-modify-write race)."""
    conn.execute(
        """INSERT INTO bridge_state (key, value, updated_at) VALUES (%s, %s::jsonb, now())
           ON CONFLICT (key) DO UPDATE SET value = bridge_state.value || EXCLUDED.value, updated_at = now()""",
        (key, json.dumps(patch, default=str)),
    )
