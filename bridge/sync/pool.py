"""The workers' connection pool: a small one (see ``bridge.db.make_pool``)."""

from __future__ import annotations

from psycopg_pool import ConnectionPool

from .. import db


def worker_pool(url: str, *, name: str, max_size: int = 2) -> ConnectionPool:
    """A small pool that checks connections before lending them (Neon drops idle ones, and a
    terminated backend must not fail the next transaction)."""
    return db.make_pool(url, min_size=1, max_size=max_size, name=name)
