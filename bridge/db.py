"""Postgres (Neon) access: one pooled, pooler-safe connection factory and a retry helper.

Neon's pooled endpoint runs PgBouncer in transaction mode, so nothing here relies on session
state: no server-side prepared statements (``prepare_threshold=None``), no LISTEN, no SET
outside a transaction (use ``SET LOCAL``), advisory locks only at transaction level.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

import psycopg
from psycopg import errors
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

log = logging.getLogger(__name__)
T = TypeVar("T")

CONNECT_TIMEOUT_S = 10
# SQLSTATE classes worth retrying: connection exceptions, serialization failures/deadlocks,
# Neon waking from scale-to-zero (admin shutdown / cannot connect now).
_TRANSIENT_SQLSTATES = {"40001", "40P01", "57P01", "57P02", "57P03", "53300"}


def connect_kwargs() -> dict:
    return {
        "prepare_threshold": None,
        "connect_timeout": CONNECT_TIMEOUT_S,
        "row_factory": dict_row,
        "application_name": "postventa-bridge",
    }


def connect(url: str, *, autocommit: bool = False) -> psycopg.Connection:
    """A single connection, for CLI verbs and tests."""
    return psycopg.connect(url, autocommit=autocommit, **connect_kwargs())


def make_pool(url: str, *, min_size: int = 1, max_size: int = 10, name: str = "bridge") -> ConnectionPool:
    """A connection pool that checks connections before lending them (Neon drops idle ones)."""
    kwargs = connect_kwargs()
    kwargs["autocommit"] = False
    kwargs["application_name"] = f"postventa-{name}"
    return ConnectionPool(
        url,
        min_size=min_size,
        max_size=max_size,
        kwargs=kwargs,
        name=name,
        open=True,
        check=ConnectionPool.check_connection,
        timeout=CONNECT_TIMEOUT_S,
        max_idle=300,
        reconnect_timeout=60,
    )


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError)):
        sqlstate = getattr(exc, "sqlstate", None)
        return sqlstate is None or sqlstate in _TRANSIENT_SQLSTATES or sqlstate.startswith("08")
    return isinstance(exc, (errors.SerializationFailure, errors.DeadlockDetected))


def retry(
    fn: Callable[[], T],
    *,
    attempts: int = 5,
    base_delay: float = 0.2,
    max_delay: float = 5.0,
    what: str = "database operation",
) -> T:
    """Run ``fn`` again on transient database errors, with jittered exponential backoff.

    ``fn`` must be a whole transaction (idempotent as a unit): it is replayed from the start.
    """
    for attempt in range(1, attempts + 1):
        try:
            return fn()
        except Exception as exc:
            if attempt == attempts or not is_transient(exc):
                raise
            delay = min(max_delay, base_delay * 2 ** (attempt - 1)) * (0.5 + random.random() / 2)
            log.warning(
                "transient error in %s (attempt %d/%d, retry in %.2fs): %s",
                what, attempt, attempts, delay, type(exc).__name__,
            )
            time.sleep(delay)
    raise AssertionError("unreachable")
