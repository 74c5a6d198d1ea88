"""The four after-sales metrics as plain arithmetic (no Odoo imports; unit-testable without a database).

The model ``postventa.kpi`` runs one SQL aggregate per metric and hands the raw sums here; this module
turns them into the contract's JSON (docs/metrics.md): ratios rounded to 4 places, ``None`` where a
denominator is 0, money rounded by the caller's currency rounding.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

RATIO_DIGITS = 4
MAX_PERIOD_DAYS = 3660


class PeriodError(ValueError):
    """The period is not two ISO dates, or ``from`` is after ``to``, or it is longer than ten years."""


def parse_period(date_from: str | date, date_to: str | date) -> tuple[date, date]:
    """Two ``YYYY-MM-DD`` (or ``date``) bounds, both days included."""
    bounds = []
    for label, value in (("date_from", date_from), ("date_to", date_to)):
        if isinstance(value, datetime):
            value = value.date()
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value.strip())
            except ValueError:
                raise PeriodError(f"{label} must be a date YYYY-MM-DD, got {value!r}") from None
        if not isinstance(value, date):
            raise PeriodError(f"{label} must be a date YYYY-MM-DD, got {value!r}")
        bounds.append(value)
    start, end = bounds
    if start > end:
        raise PeriodError(f"date_from {start} is after date_to {end}")
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise PeriodError(f"the period is longer than {MAX_PERIOD_DAYS} days")
    return start, end


def utc_bounds(start: date, end: date, tz_name: str | None) -> tuple[datetime, datetime]:
    """Naive UTC datetimes [first instant of ``start``, first instant after ``end``) in ``tz_name``'s days."""
    try:
        zone = ZoneInfo(tz_name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    utc = ZoneInfo("UTC")

    def to_utc(day: date) -> datetime:
        return datetime.combine(day, time.min, tzinfo=zone).astimezone(utc).replace(tzinfo=None)

    return to_utc(start), to_utc(end + timedelta(days=1))


def ratio(numerator: float, denominator: float, digits: int = RATIO_DIGITS) -> float | None:
    return None if not denominator else round(float(numerator) / float(denominator), digits)


def _round(value: float | None, digits: int = RATIO_DIGITS) -> float | None:
    return None if value is None else round(float(value), digits)


def attach_rate(numerator: int, denominator: int) -> dict:
    return {"value": ratio(numerator, denominator), "numerator": int(numerator), "denominator": int(denominator)}


def resolution_hours(count: int, mean: float | None, median: float | None, p90: float | None) -> dict:
    if not count:
        return {"count": 0, "mean": None, "median": None, "p90": None}
    return {"count": int(count), "mean": _round(mean), "median": _round(median), "p90": _round(p90)}


def stock_rotation(units_out: float, on_hand_start: float, on_hand_end: float, days: int) -> dict:
    """turnover = units out / average on hand; days of inventory = days / turnover (``None``: "n/a")."""
    avg_on_hand = (float(on_hand_start) + float(on_hand_end)) / 2
    turnover = ratio(units_out, avg_on_hand) if avg_on_hand > 0 else None
    return {
        "units_out": _round(units_out),
        "avg_on_hand": _round(avg_on_hand),
        "turnover": turnover,
        # From the unrounded turnover: days * avg on hand / units out.
        "days_of_inventory": ratio(days * avg_on_hand, units_out) if turnover else None,
    }


def warranty_cost(tickets: int, parts: float, labor: float, money: Callable[[float], float]) -> dict:
    parts, labor = money(parts or 0.0), money(labor or 0.0)
    total = money(parts + labor)
    return {
        "tickets": int(tickets),
        "parts": parts,
        "labor": labor,
        "total": total,
        "per_ticket": money(total / tickets) if tickets else None,
    }


def result(start: date, end: date, currency: str, *, attach: dict, resolution: dict, stock: dict,
           warranty: dict) -> dict:
    return {
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "currency": currency,
        "attach_rate": attach,
        "resolution_hours": resolution,
        "stock_rotation": stock,
        "warranty_cost": warranty,
    }
