"""Follow-up rules as plain Python: next-service prediction and the shared eligibility gate.

No ORM here: the agents (``models/postventa_agent*.py``) read plain values in a constant number of
queries, call these functions, and write what they decide. Unit-tested without a database.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

MIN_RATE_SPAN_DAYS = 7  # readings closer together than this say nothing about a km/day rate


def add_months(day: date, months: int) -> date:
    """``day`` plus calendar months, clamped to the month's last day (31 Aug + 6 months = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


# --- maintenance prediction ------------------------------------------------------------------

@dataclass(frozen=True)
class Prediction:
    milestone_km: int  # the service's name at the dealer: 10,000, 20,000, ...
    due_date: date
    reason: str  # "km" (the odometer gets there first) or "time" (the calendar does)
    km_per_day: float | None
    estimated_km: int  # odometer estimated for ``today``


def km_per_day(first: tuple[date, int] | None, last: tuple[date, int] | None) -> float | None:
    """Average km/day between two readings, or None when they are too close together to tell."""
    if not first or not last:
        return None
    days = (last[0] - first[0]).days
    if days < MIN_RATE_SPAN_DAYS or last[1] < first[1]:
        return None
    return (last[1] - first[1]) / days


def predict_next_service(
    *,
    today: date,
    delivery_date: date | None,
    first_reading: tuple[date, int] | None,
    last_reading: tuple[date, int] | None,
    last_service: tuple[date, int] | None,
    interval_km: int,
    interval_months: int,
) -> Prediction | None:
    """The next maintenance (whichever of km or months comes first) after the last service or delivery.

    The km/day rate comes from the odometer history (the delivery counts as a 0 km reading when it
    is earlier than the first one), so a taxi reaches its 10,000 km long before the 6 months.
    """
    if interval_km <= 0 or interval_months <= 0:
        return None
    anchor = (delivery_date, 0) if delivery_date else None
    if anchor and (not first_reading or first_reading[0] > anchor[0]):
        first_reading = anchor
    if last_service and (not last_reading or last_service[0] > last_reading[0]):
        last_reading = last_service
    base = last_service or anchor
    if base is None:
        return None
    rate = km_per_day(first_reading, last_reading)
    latest = last_reading or base
    estimated = latest[1] + int(round(rate * max(0, (today - latest[0]).days))) if rate else latest[1]
    # a service covers the milestone nearest to it (the 30,000 km service is often done at 29,500 km)
    milestone = (int(max(base[1], 0) / interval_km + 0.5) + 1) * interval_km
    by_time = add_months(base[0], interval_months)
    if rate:
        by_km = latest[0] + timedelta(days=max(0.0, (milestone - latest[1]) / rate))
    elif latest[1] >= milestone:
        by_km = latest[0]
    else:
        by_km = None
    if by_km is not None and by_km < by_time:
        return Prediction(milestone, by_km, "km", rate, estimated)
    return Prediction(milestone, by_time, "time", rate, estimated)


# --- the shared gate every agent's messages pass ------------------------------------------

@dataclass(frozen=True)
class Settings:
    quiet_start: float = 9.0  # hours, local time of the dealer: messages only from ...
    quiet_end: float = 20.0  # ... until
    cap_count: int = 2  # at most this many follow-ups per customer ...
    cap_days: int = 7  # ... in this many days
    template_kinds: frozenset[str] = frozenset()  # kinds with an approved WhatsApp template


@dataclass
class Contact:
    contact: str | None  # WhatsApp E.164
    consent: str | None  # "opted_in" | "opted_out" | None (unknown)
    last_inbound_at: datetime | None = None
    sent_recently: int = 0  # follow-ups already sent inside the cap window


@dataclass
class Action:
    """One thing an agent wants done, keyed for idempotency (the same key is never done twice)."""

    key: str
    agent: str
    event_type: str  # the outbox event that records it
    record: Any  # the Odoo record the event is about
    data: dict[str, Any]
    message_kind: str | None = None  # a WhatsApp message to the customer (then the gate applies)
    body: str = ""
    template_vars: dict[str, str] = field(default_factory=dict)
    remember: dict[str, Any] = field(default_factory=dict)  # conversation state for the reply
    partner_id: int | None = None
    contact_key: str | None = None  # where to find the Contact (partner or WhatsApp number)
    after: Any = None  # callable run once the action is done (same transaction)


def in_allowed_hours(local_now: datetime | time, settings: Settings) -> bool:
    """True between ``quiet_start`` and ``quiet_end`` (local time); the ends wrap past midnight."""
    moment = local_now.time() if isinstance(local_now, datetime) else local_now
    hours = moment.hour + moment.minute / 60 + moment.second / 3600
    start, end = settings.quiet_start % 24, settings.quiet_end % 24
    if start == end:
        return True
    if start < end:
        return start <= hours < end
    return hours >= start or hours < end


def delivery_mode(kind: str, last_inbound_at: datetime | None, now: datetime, settings: Settings) -> str | None:
    """``text`` inside WhatsApp's 24-hour window, ``template`` outside it when one is approved, else None."""
    if last_inbound_at and now - last_inbound_at < timedelta(hours=24):
        return "text"
    if kind in settings.template_kinds:
        return "template"
    return None


def refusal(action: Action, contact: Contact | None, local_now: datetime, now: datetime,
            settings: Settings) -> str | None:
    """Why ``action`` may not message its customer now (None: it may). Checked in this order."""
    if not action.message_kind:
        return None
    if contact is None or not contact.contact:
        return "no_contact"
    if contact.consent != "opted_in":
        return "opted_out" if contact.consent == "opted_out" else "no_consent"
    if not in_allowed_hours(local_now, settings):
        return "quiet_hours"
    if contact.sent_recently >= settings.cap_count:
        return "frequency_cap"
    if delivery_mode(action.message_kind, contact.last_inbound_at, now, settings) is None:
        return "no_template"
    return None
