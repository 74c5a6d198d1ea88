"""Small persistent state in Neon's ``bridge_state`` (cursors, worker status), read by /healthz."""

from __future__ import annotations

import json
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from .. import db


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


def take_turn(conn: psycopg.Connection, name: str, every_s: float) -> bool:
    """Whether this process should run the periodic job ``name`` now: True for at most one caller per
    ``every_s`` seconds across every process sharing the database (one statement, so two callers at the
    same moment cannot both win). Jobs that only *read* Odoo for everyone (the catalog, Odoo's changes, the
    event outbox, staff replies) use it so that N copies of a worker cost Odoo what one does; work that is
    split between copies (claims, locks) does not need it. The turn is kept in ``bridge_state`` under
    ``turn:<name>``; its ``updated_at`` is when it was last taken."""
    row = conn.execute(
        """INSERT INTO bridge_state (key, value, updated_at) VALUES (%s, '{}'::jsonb, clock_timestamp())
           ON CONFLICT (key) DO UPDATE SET updated_at = EXCLUDED.updated_at
           WHERE bridge_state.updated_at <= clock_timestamp() - make_interval(secs => %s)
           RETURNING 1""",
        (f"turn:{name}", max(0.0, float(every_s))),
    ).fetchone()
    return row is not None


def my_turn(pool: ConnectionPool, name: str, interval: float) -> bool:
    """A looping worker's turn for the shared job ``name`` (``take_turn``): at most one caller per 0.8 x its
    ``interval``, so a worker alone always gets it and N copies do the job as often as one."""
    def take() -> bool:
        with pool.connection() as conn:
            return take_turn(conn, name, 0.8 * interval)
    return db.retry(take, what=f"take the {name} turn")
