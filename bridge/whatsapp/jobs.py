"""The durable job queue in ``wa_jobs``: claim with SKIP LOCKED under a lease, heartbeat, fenced finish.

A job is claimed by setting a fresh ``lease_token``; every later write checks that token, so a
worker that lost its lease (it was paused or killed and another worker took over) cannot finish
or fail the job a second time.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from .. import db


class LeaseLost(RuntimeError):
    """Another worker owns the job now."""


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    contact_id: str
    case_id: int | None
    payload: dict[str, Any]
    attempts: int
    max_attempts: int
    lease_token: str


_CLAIM = """
UPDATE wa_jobs SET state = 'running', attempts = attempts + 1, lease_token = gen_random_uuid(),
       lease_until = now() + make_interval(secs => %(lease)s), worker_id = %(worker)s
WHERE id = (
    SELECT id FROM wa_jobs
    WHERE (state = 'queued' AND next_attempt_at <= now()) OR (state = 'running' AND lease_until < now())
    ORDER BY id
    FOR UPDATE SKIP LOCKED
    LIMIT 1
)
RETURNING id, kind, contact_id, case_id, payload, attempts, max_attempts, lease_token::text
"""


def claim(conn: psycopg.Connection, worker_id: str, lease_seconds: float) -> Job | None:
    with conn.transaction():
        row = conn.execute(_CLAIM, {"lease": lease_seconds, "worker": worker_id}).fetchone()
    return Job(**row) if row else None


def heartbeat(conn: psycopg.Connection, job: Job, lease_seconds: float) -> bool:
    with conn.transaction():
        cur = conn.execute(
            "UPDATE wa_jobs SET lease_until = now() + make_interval(secs => %s) "
            "WHERE id = %s AND lease_token = %s AND state = 'running'",
            (lease_seconds, job.id, job.lease_token),
        )
    return cur.rowcount == 1


def lock_owned(conn: psycopg.Connection, job: Job) -> None:
    """Inside the finishing transaction: lock the job row, or raise if the lease was lost."""
    row = conn.execute(
        "SELECT 1 FROM wa_jobs WHERE id = %s AND lease_token = %s AND state = 'running' FOR UPDATE",
        (job.id, job.lease_token),
    ).fetchone()
    if not row:
        raise LeaseLost(f"job {job.id} is no longer ours")


def mark_done(conn: psycopg.Connection, job: Job, result: dict[str, Any]) -> None:
    conn.execute(
        "UPDATE wa_jobs SET state = 'done', lease_until = NULL, result = %s, last_error = NULL WHERE id = %s",
        (Jsonb(result), job.id),
    )


def mark_failed(conn: psycopg.Connection, job: Job, error: str) -> None:
    conn.execute(
        "UPDATE wa_jobs SET state = 'failed', lease_until = NULL, last_error = %s WHERE id = %s",
        (error[:500], job.id),
    )


def retry_later(conn: psycopg.Connection, job: Job, error: str, delay_seconds: float) -> bool:
    with conn.transaction():
        cur = conn.execute(
            "UPDATE wa_jobs SET state = 'queued', lease_until = NULL, lease_token = NULL, last_error = %s, "
            "next_attempt_at = now() + make_interval(secs => %s) "
            "WHERE id = %s AND lease_token = %s AND state = 'running'",
            (error[:500], delay_seconds, job.id, job.lease_token),
        )
    return cur.rowcount == 1


class Heartbeat:
    """Extends a job's lease from a side thread (own connection) until stopped."""

    def __init__(self, url: str, job: Job, lease_seconds: float):
        self._url, self._job, self._lease = url, job, lease_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{job.id}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        # Most jobs finish before the first beat is due: connect only when it is.
        if self._stop.wait(self._lease / 3):
            return
        with db.connect(self._url, autocommit=True) as conn:
            while heartbeat(conn, self._job, self._lease) and not self._stop.wait(self._lease / 3):
                pass
