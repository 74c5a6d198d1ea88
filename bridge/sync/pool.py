"""The workers' connection pool (pooler-safe settings from ``bridge.db``)."""

from __future__ import annotations

from psycopg_pool import ConnectionPool

from .. import db


def worker_pool(url: str, *, name: str, max_size: int = 2) -> ConnectionPool:
    """A small pool that checks connections before lending them (Neon drops idle ones, and a
    terminated backend must not fail the next transaction)."""
    kwargs = db.connect_kwargs()
    kwargs["application_name"] = f"postventa-{name}"
    return ConnectionPool(
        url, min_size=1, max_size=max_size, kwargs=kwargs, name=name, open=True,
        check=ConnectionPool.check_connection, timeout=db.CONNECT_TIMEOUT_S, max_idle=300,
        reconnect_timeout=60,
    )
