"""``GET /admin/cases/{id}/timeline``: one ordered timeline of a case across WhatsApp, Neon, Odoo and
the event consumers, under the case's one trace id (``bridge.tracing``). Admin bearer key.

Steps: inbound messages (with the immediate reply) and outbound messages, media processed, attachments
stored, sync pushes and pulls, Odoo's decisions (with reasons), tickets, case states, quotes, approvals
and purchase orders (``postventa.case/bridge_case_timeline`` over JSON-2), every event and each of its
delivery attempts with its status. ``duration_ms`` is the time from the previous step to this one: how
long the case waited for it. When Odoo cannot be reached the Neon part is still answered, with the
header ``X-Timeline-Partial``.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Literal

import psycopg
from fastapi import APIRouter, Depends, HTTPException, Path, Response, status
from pydantic import BaseModel, field_serializer

from .. import tracing
from ..config import Settings
from ..odoo import OdooClient, OdooError
from .deps import get_conn, get_settings, require_admin

log = logging.getLogger(__name__)
router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(require_admin)])

System = Literal["whatsapp", "neon", "odoo", "events"]
_DETAIL_LIMIT = 300


class Step(BaseModel):
    at: datetime
    system: System
    kind: str
    detail: str
    duration_ms: int

    @field_serializer("at")
    def _utc_microseconds(self, value: datetime) -> str:
        # one fixed form (UTC, microseconds, Z): the strings sort as the times do
        return value.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


class Timeline(BaseModel):
    trace_id: str
    steps: list[Step]


def _aware(value: datetime | str) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def merge_steps(raw: list[dict]) -> list[dict]:
    """Order steps by time (stable for equal times) and set ``duration_ms`` to the wait since the
    previous step."""
    steps = sorted(({**s, "at": _aware(s["at"]), "detail": str(s.get("detail") or "")[:_DETAIL_LIMIT]}
                    for s in raw if s.get("at")), key=lambda s: s["at"])
    previous = None
    for step in steps:
        step["duration_ms"] = int((step["at"] - previous).total_seconds() * 1000) if previous else 0
        previous = step["at"]
    return steps


def _neon_steps(conn: psycopg.Connection, case: dict) -> list[dict]:
    case_id = case["id"]
    steps = [{"at": case["created_at"], "system": "neon", "kind": "case.created",
              "detail": f"case {case_id} from {case['contact_id']}"}]
    # Messages of the case, and the contact's messages that led to it (before any case id existed).
    inbound = conn.execute(
        """SELECT received_at, body, num_media, reply FROM wa_inbound
            WHERE case_id = %(id)s
               OR (case_id IS NULL AND contact_id = %(contact)s AND received_at <= %(created)s
                   AND received_at > COALESCE((SELECT max(created_at) FROM cases
                                                WHERE contact_id = %(contact)s AND id < %(id)s), '-infinity'))""",
        {"id": case_id, "contact": case["contact_id"], "created": case["created_at"]},
    ).fetchall()
    for m in inbound:
        text = (m["body"] or "").strip() or f"{m['num_media']} media"
        reply = f" → {m['reply'].strip()[:120]}" if m["reply"] else ""
        steps.append({"at": m["received_at"], "system": "whatsapp", "kind": "message.inbound",
                      "detail": f"{text[:120]}{reply}"})
    for m in conn.execute(
        "SELECT created_at, sent_at, kind, body, state FROM wa_outbox WHERE case_id = %s", (case_id,)
    ).fetchall():
        steps.append({"at": m["sent_at"] or m["created_at"], "system": "whatsapp", "kind": "message.outbound",
                      "detail": f"{m['kind']} ({m['state']}): {(m['body'] or '')[:120]}"})
    for j in conn.execute(
        "SELECT kind, state, attempts, created_at, updated_at, last_error FROM wa_jobs WHERE case_id = %s",
        (case_id,),
    ).fetchall():
        took = int((j["updated_at"] - j["created_at"]).total_seconds() * 1000)
        steps.append({"at": j["updated_at"], "system": "neon", "kind": f"{j['kind']}.processed",
                      "detail": f"{j['state']} after {j['attempts']} attempt(s), {took} ms since queued"
                                + (f": {j['last_error']}" if j["last_error"] else "")})
    for a in conn.execute(
        "SELECT first_seen_at, evidence_kind, content_type, size_bytes FROM case_attachments WHERE case_id = %s",
        (case_id,),
    ).fetchall():
        steps.append({"at": a["first_seen_at"], "system": "neon", "kind": "attachment.stored",
                      "detail": f"{a['evidence_kind'] or 'evidence'} ({a['content_type']}, {a['size_bytes']} B)"})
    for s in conn.execute("SELECT direction, at, detail FROM case_sync_log WHERE case_id = %s", (case_id,)):
        steps.append({"at": s["at"], "system": "neon", "kind": f"sync.{s['direction']}", "detail": s["detail"] or ""})
    for e in conn.execute(
        """SELECT e.id, e.type, e.source, e.time, e.traceparent, d.state FROM events e
             LEFT JOIN event_deliveries d ON d.event_id = e.id
            WHERE e.subject = %s""",
        (f"case/{case_id}",),
    ).fetchall():
        steps.append({"at": e["time"], "system": "events", "kind": e["type"],
                      "detail": f"{e['id']} from {e['source']} ({e['state'] or 'feed only'})"})
    for a in conn.execute(
        """SELECT a.attempted_at, a.attempt, a.endpoint, a.status_code, a.error, a.duration_ms, e.type
             FROM event_delivery_attempts a JOIN events e ON e.id = a.event_id
            WHERE e.subject = %s""",
        (f"case/{case_id}",),
    ).fetchall():
        outcome = f"HTTP {a['status_code']}" if a["status_code"] else (a["error"] or "no answer")
        steps.append({"at": a["attempted_at"], "system": "events", "kind": "delivery.attempt",
                      "detail": f"{a['type']} #{a['attempt']} → {outcome} in {a['duration_ms'] or 0} ms"})
    return steps


def _odoo_steps(settings: Settings, neon_id: int) -> list[dict] | None:
    """Odoo's steps, or None when Odoo is not configured or cannot be reached."""
    if not settings.odoo_enabled:
        return None
    try:
        with tracing.case_context(neon_id), OdooClient(settings, retries=1) as odoo:
            answer = odoo.call("postventa.case", "bridge_case_timeline", neon_id=neon_id)
    except OdooError as exc:
        log.warning("timeline case=%s: Odoo part unavailable: %s", neon_id, exc)
        return None
    return [dict(step, system="odoo") for step in (answer or {}).get("steps") or []]


@router.get(
    "/cases/{case_id}/timeline",
    response_model=Timeline,
    summary="One case's timeline across WhatsApp, Neon, Odoo and event deliveries",
    responses={404: {"description": "No case with this Neon id."}},
)
def case_timeline(
    response: Response,
    case_id: int = Path(..., ge=1, le=2**63 - 1, description="The Neon case id"),
    conn: psycopg.Connection = Depends(get_conn),
    settings: Settings = Depends(get_settings),
) -> Timeline:
    case = conn.execute("SELECT id, contact_id, created_at FROM cases WHERE id = %s", (case_id,)).fetchone()
    if not case:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no case {case_id}")
    steps = _neon_steps(conn, case)
    odoo = _odoo_steps(settings, case_id)
    if odoo is None:
        response.headers["X-Timeline-Partial"] = "odoo unavailable" if settings.odoo_enabled else "odoo not configured"
    else:
        steps += odoo
    return Timeline(trace_id=tracing.case_trace_id(case_id), steps=[Step(**s) for s in merge_steps(steps)])
