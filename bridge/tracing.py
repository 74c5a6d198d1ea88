"""One correlation id per case, as W3C Trace Context (https://www.w3.org/TR/trace-context/).

The trace id of a case is derived from its Neon id (``case_trace_id``), so every system computes
the same id without storing or passing it first: the bridge on its JSON-2 calls (``traceparent``
header) and on its events, Odoo on its outbox events (``postventa.event``: the same derivation), the
timeline (``/admin/cases/{id}/timeline``). A span id is fresh for every call or event.

Calls made while handling one case run inside ``case_context(neon_id)``; the Odoo client then sends
that case's ``traceparent``. Calls for many cases at once (a sync batch) get a trace of their own.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
_current_trace: ContextVar[str | None] = ContextVar("postventa_trace_id", default=None)


def case_trace_id(neon_id: int | str) -> str:
    """The trace id of a Neon case: 32 hex digits, never all zeros (same rule in Odoo's outbox)."""
    digest = hashlib.sha256(f"postventa-case:{int(neon_id)}".encode()).hexdigest()[:32]
    return digest if digest.strip("0") else "1".rjust(32, "0")


def new_trace_id() -> str:
    return os.urandom(16).hex()


def new_span_id() -> str:
    return os.urandom(8).hex()


def traceparent(trace_id: str | None = None, span_id: str | None = None) -> str:
    """``00-<trace id>-<span id>-01`` (version 00, sampled)."""
    return f"00-{trace_id or new_trace_id()}-{span_id or new_span_id()}-01"


def parse_traceparent(value: str | None) -> tuple[str, str] | None:
    """(trace id, parent span id) of a valid header, else None."""
    match = _TRACEPARENT.match((value or "").strip().lower())
    if not match or set(match.group(1)) == {"0"} or set(match.group(2)) == {"0"}:
        return None
    return match.group(1), match.group(2)


def subject_trace_id(subject: str | None) -> str | None:
    """The case trace id of an event subject ``case/<neon id>`` (None for other subjects)."""
    if subject and subject.startswith("case/") and subject[5:].isdigit():
        return case_trace_id(subject[5:])
    return None


def current_trace_id() -> str | None:
    return _current_trace.get()


@contextmanager
def case_context(neon_id: int | str | None) -> Iterator[str | None]:
    """Calls and events inside belong to this case's trace."""
    trace_id = case_trace_id(neon_id) if neon_id is not None else None
    token = _current_trace.set(trace_id)
    try:
        yield trace_id
    finally:
        _current_trace.reset(token)
