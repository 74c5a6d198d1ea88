"""Pure sync logic (no I/O): cursor math, conflict rules, payload shaping, chunk planning.

Conflict rule (who wins which field):
- Neon owns the intake fields the WhatsApp channel collects: contact_id, customer_name, vin,
  plate, odo_km, falla_tipo, description, evidence_provided, status, and the attachments.
  They only travel Neon -> Odoo; Odoo's copy is overwritten on every push of a changed case.
- Odoo owns the back-office outcome: state (Neon ``odoo_state``), warranty_status, the latest
  decision, the ticket and the quote, plus the Odoo id and reference. They only travel Odoo -> Neon,
  and an older Odoo snapshot never overwrites a newer one (compared on Odoo's ``write_date``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

WARRANTY_STATUSES = ("pending", "eligible", "review", "no_eligible")
INTAKE_FIELDS = ("contact_id", "customer_name", "vin", "plate", "odo_km", "falla_tipo", "description",
                 "evidence_provided", "status")
MAX_RECORDS_PER_CALL = 500  # the contract's limit for bridge_upsert_cases
# Odoo context for --no-chatter: no "created" message and no field tracking on bridge writes.
NO_CHATTER_CONTEXT = {"mail_create_nolog": True, "tracking_disable": True, "mail_notrack": True}


def parse_odoo_time(value: str | None) -> datetime | None:
    """Odoo/contract timestamps: ISO-8601 UTC (``...Z``), or Odoo's ``YYYY-MM-DD HH:MM:SS`` (UTC)."""
    if not value:
        return None
    dt = datetime.fromisoformat(str(value).replace("Z", "+00:00").replace(" ", "T", 1))
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def format_odoo_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def effective_since(cursor: datetime | None, overlap: timedelta) -> datetime | None:
    """Where a pull starts: ``overlap`` before the cursor, because Odoo stamps ``write_date`` at
    transaction start and a long transaction can commit after the cursor has passed its stamp."""
    return None if cursor is None else cursor - overlap


def advance_cursor(cursor: datetime | None, write_dates: Iterable[datetime | None]) -> datetime | None:
    """The new cursor: the newest write_date applied so far (never moves backwards)."""
    newest = cursor
    for value in write_dates:
        if value is not None and (newest is None or value > newest):
            newest = value
    return newest


def odoo_value(value: Any) -> Any:
    """Odoo writes ``False`` for empty non-boolean fields; the bridge stores NULL."""
    return None if value is False else value


def map_warranty_status(value: Any) -> str | None:
    """Odoo's warranty status as Neon stores it; None means 'leave Neon's value alone'."""
    value = odoo_value(value)
    if value is None or value == "":
        return "pending"
    return value if value in WARRANTY_STATUSES else None


def odoo_wins(current: datetime | None, incoming: datetime | None) -> bool:
    """Apply an Odoo snapshot unless Neon already holds a newer one."""
    return current is None or incoming is None or incoming >= current


def case_fields_from_odoo(record: dict[str, Any]) -> dict[str, Any]:
    """The Odoo-owned fields of a ``bridge_changes`` record, as Neon columns.

    Until Odoo holds a decision, its ``pending`` does not replace a status Neon already has (the
    seed's legacy rows carry statuses decided before Odoo existed)."""
    warranty_status = map_warranty_status(record.get("warranty_status"))
    if warranty_status == "pending" and not odoo_value(record.get("decision")):
        warranty_status = None
    return {
        "odoo_id": record["id"],
        "odoo_ref": odoo_value(record.get("name")),
        "odoo_state": odoo_value(record.get("state")),
        "warranty_status": warranty_status,
        "decision": odoo_value(record.get("decision")),
        "ticket": odoo_value(record.get("ticket")),
        "quote": odoo_value(record.get("quote")),
        "odoo_write_date": parse_odoo_time(odoo_value(record.get("write_date"))),
    }


def case_payload(case: dict[str, Any], attachments: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One ``bridge_upsert_cases`` record from a Neon case row and its not-yet-synced attachments."""
    payload = {"neon_id": case["id"]}
    for name in INTAKE_FIELDS:
        payload[name] = case.get(name)
    payload["evidence_provided"] = list(case.get("evidence_provided") or [])
    payload["attachments"] = [
        {"sha256": a["sha256"], "filename": a["filename"], "content_type": a["content_type"],
         "evidence_kind": a.get("evidence_kind"), "datas": a["datas"]}
        for a in attachments
    ]
    return payload


def plan_chunks(sizes: Sequence[int], *, max_records: int, max_bytes: int) -> list[range]:
    """Split items (with payload sizes) into consecutive chunks of at most ``max_records`` items and,
    unless a single item is bigger on its own, at most ``max_bytes`` bytes."""
    max_records = max(1, min(max_records, MAX_RECORDS_PER_CALL))
    chunks: list[range] = []
    start, total = 0, 0
    for i, size in enumerate(sizes):
        if i > start and (i - start >= max_records or total + size > max_bytes):
            chunks.append(range(start, i))
            start, total = i, 0
        total += size
    if start < len(sizes):
        chunks.append(range(start, len(sizes)))
    return chunks


def backoff_delay(failures: int, *, base: float = 5.0, cap: float = 300.0) -> float:
    """Seconds the sync waits after ``failures`` consecutive Odoo failures (5 s, 10 s, ... 5 min)."""
    return min(cap, base * 2 ** max(0, failures - 1))


def is_record_rejection(exc: Exception) -> bool:
    """A 4xx that is about the data sent (not auth, not rate limiting): retrying it as is cannot help."""
    status = getattr(exc, "status", None)
    return status is not None and 400 <= status < 500 and status not in (401, 403, 404, 408, 429)
