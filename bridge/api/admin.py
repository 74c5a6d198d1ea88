"""Admin API (bearer ``ADMIN_API_KEY``): cases by filter or contact, the event feed, redelivery."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

import psycopg
from fastapi import APIRouter, Depends, HTTPException, Path, Query, status
from pydantic import BaseModel

from ..events import store
from ..sync.health import register as _register_probes
from .deps import get_conn, require_admin
from .health import EXTRA_PROBES

router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(require_admin)])


class WarrantyStatus(StrEnum):
    pending = "pending"
    eligible = "eligible"
    review = "review"
    no_eligible = "no_eligible"


class DeliveryState(StrEnum):
    pending = "pending"
    failed = "failed"
    delivered = "delivered"
    dead = "dead"


class Attachment(BaseModel):
    sha256: str
    content_type: str
    size_bytes: int
    evidence_kind: str | None
    source_url: str | None
    first_seen_at: datetime
    last_seen_at: datetime
    odoo_synced_at: datetime | None


class Case(BaseModel):
    id: int
    contact_id: str | None
    customer_name: str | None
    vin: str | None
    plate: str | None
    odo_km: int | None
    falla_tipo: str | None
    description: str | None
    status: str | None
    warranty_status: str | None
    evidence_required: list[Any]
    evidence_provided: list[Any]
    odoo_id: int | None
    odoo_ref: str | None
    odoo_state: str | None
    decision: dict[str, Any] | None
    ticket: dict[str, Any] | None
    quote: dict[str, Any] | None
    odoo_synced_at: datetime | None
    odoo_sync_error: str | None
    created_at: datetime
    updated_at: datetime


class CaseWithAttachments(Case):
    attachments: list[Attachment]


class CasePage(BaseModel):
    items: list[Case]
    next_cursor: str | None = None


class ContactCases(BaseModel):
    contact_id: str
    cases: list[CaseWithAttachments]


class Delivery(BaseModel):
    state: DeliveryState
    attempts: int
    next_attempt_at: datetime | None
    last_status: int | None
    last_error: str | None
    delivered_at: datetime | None


class Event(BaseModel):
    seq: int
    specversion: str = "1.0"
    id: UUID
    type: str
    source: str
    subject: str | None
    time: datetime
    data: dict[str, Any]
    delivery: Delivery | None


class EventPage(BaseModel):
    items: list[Event]
    next_after: int


class Redelivery(BaseModel):
    event_id: UUID
    state: DeliveryState
    attempts: int
    next_attempt_at: datetime


_CASE_COLUMNS = """id, contact_id, customer_name, vin, plate, odo_km, falla_tipo, description, status,
    warranty_status, evidence_required, evidence_provided, odoo_id, odoo_ref, odoo_state, decision, ticket,
    quote, odoo_synced_at, odoo_sync_error, created_at, updated_at"""


def _encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, value = raw.partition(":")
        if prefix != "id" or not value.isdigit():
            raise ValueError
        return int(value)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "invalid cursor: pass next_cursor back unchanged") from None


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


@router.get("/cases", response_model=CasePage, summary="Cases, newest first, filtered and cursor-paged")
def list_cases(
    status_: str | None = Query(None, alias="status", max_length=40, description="channel status, e.g. open"),
    warranty_status: WarrantyStatus | None = Query(None),
    created_from: datetime | None = Query(None, description="ISO-8601; inclusive"),
    created_to: datetime | None = Query(None, description="ISO-8601; exclusive"),
    vin: str | None = Query(None, max_length=32),
    plate: str | None = Query(None, max_length=20),
    limit: int = Query(50, ge=1, le=500),
    cursor: str | None = Query(None, max_length=100, description="next_cursor of the previous page"),
    conn: psycopg.Connection = Depends(get_conn),
) -> CasePage:
    created_from, created_to = _aware(created_from), _aware(created_to)
    if created_from and created_to and created_from >= created_to:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "created_from must be before created_to")
    where, params = [], []
    filters = (("status = %s", status_), ("warranty_status = %s", warranty_status and warranty_status.value),
               ("vin = %s", vin and vin.strip().upper()), ("upper(plate) = %s", plate and plate.strip().upper()))
    for clause, value in filters:
        if value:
            where.append(clause)
            params.append(value)
    if created_from:
        where.append("created_at >= %s")
        params.append(created_from)
    if created_to:
        where.append("created_at < %s")
        params.append(created_to)
    if cursor:
        where.append("id < %s")
        params.append(_decode_cursor(cursor))
    sql = f"SELECT {_CASE_COLUMNS} FROM cases"
    if where:
        sql += " WHERE " + " AND ".join(where)
    rows = conn.execute(sql + " ORDER BY id DESC LIMIT %s", [*params, limit + 1]).fetchall()
    more = len(rows) > limit
    rows = rows[:limit]
    return CasePage(items=[Case(**r) for r in rows], next_cursor=_encode_cursor(rows[-1]["id"]) if more else None)


@router.get("/cases/{contact}", response_model=ContactCases, summary="Every case of one WhatsApp contact")
def contact_cases(
    contact: str = Path(..., min_length=3, max_length=64, description="E.164, with or without 'whatsapp:'"),
    conn: psycopg.Connection = Depends(get_conn),
) -> ContactCases:
    bare = contact.removeprefix("whatsapp:").strip()
    rows = conn.execute(
        f"SELECT {_CASE_COLUMNS} FROM cases WHERE contact_id = ANY(%s) ORDER BY id DESC LIMIT 200",
        ([contact, bare, f"whatsapp:{bare}"],),
    ).fetchall()
    if not rows:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no cases for contact {contact!r}")
    attachments = conn.execute(
        """SELECT case_id, sha256, content_type, size_bytes, evidence_kind, source_url, first_seen_at,
                  last_seen_at, odoo_synced_at FROM case_attachments WHERE case_id = ANY(%s) ORDER BY id""",
        ([r["id"] for r in rows],),
    ).fetchall()
    by_case: dict[int, list[Attachment]] = {}
    for a in attachments:
        by_case.setdefault(a["case_id"], []).append(Attachment(**a))
    return ContactCases(contact_id=rows[0]["contact_id"],
                        cases=[CaseWithAttachments(**r, attachments=by_case.get(r["id"], [])) for r in rows])


@router.get("/events", response_model=EventPage, summary="The event feed in order (pull consumers)")
def list_events(
    after: int = Query(0, ge=0, description="seq of the last event already read (next_after)"),
    type_: str | None = Query(None, alias="type", max_length=64),
    delivery_state: DeliveryState | None = Query(None, description="e.g. dead for the dead letters"),
    limit: int = Query(100, ge=1, le=1000),
    conn: psycopg.Connection = Depends(get_conn),
) -> EventPage:
    where, params = ["e.seq > %s"], [after]
    if type_:
        where.append("e.type = %s")
        params.append(type_)
    if delivery_state:
        where.append("d.state = %s")
        params.append(delivery_state.value)
    rows = conn.execute(
        f"""SELECT e.seq, e.id, e.type, e.source, e.subject, e.time, e.data, d.state, d.attempts,
                   d.next_attempt_at, d.last_status, d.last_error, d.delivered_at
              FROM events e LEFT JOIN event_deliveries d ON d.event_id = e.id
             WHERE {" AND ".join(where)} ORDER BY e.seq LIMIT %s""",
        [*params, limit],
    ).fetchall()
    items = []
    for r in rows:
        delivery = None
        if r["state"]:
            delivery = Delivery(state=r["state"], attempts=r["attempts"], next_attempt_at=r["next_attempt_at"],
                                last_status=r["last_status"], last_error=r["last_error"],
                                delivered_at=r["delivered_at"])
        items.append(Event(seq=r["seq"], id=r["id"], type=r["type"], source=r["source"], subject=r["subject"],
                           time=r["time"], data=r["data"], delivery=delivery))
    return EventPage(items=items, next_after=items[-1].seq if items else after)


@router.post("/events/{event_id}/redeliver", response_model=Redelivery, status_code=status.HTTP_202_ACCEPTED,
             summary="Queue an event for delivery again (dead letters included)")
def redeliver_event(event_id: UUID, conn: psycopg.Connection = Depends(get_conn)) -> Redelivery:
    row = store.redeliver(conn, str(event_id), datetime.now(UTC))
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no event {event_id}")
    return Redelivery(event_id=row["event_id"], state=row["state"], attempts=row["attempts"],
                      next_attempt_at=row["next_attempt_at"])


# /healthz: Odoo up/down/off, the sync worker's last status, webhook delivery state.
_register_probes(EXTRA_PROBES)
