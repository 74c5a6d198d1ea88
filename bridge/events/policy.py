"""Pure delivery policy: retry schedule, outcome classification, outbox cursor with holes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# Delay before attempt n+1 after n failed attempts (Standard Webhooks / Svix-like, ~1.3 days in all).
RETRY_SCHEDULE: tuple[timedelta, ...] = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
MAX_ATTEMPTS = len(RETRY_SCHEDULE) + 1

DELIVERED, RETRY, DEAD, GONE = "delivered", "retry", "dead", "gone"


def next_retry(attempts: int, now: datetime) -> datetime | None:
    """When to try again after ``attempts`` failed attempts, or None when the event is dead."""
    if attempts < 1:
        return now
    if attempts > len(RETRY_SCHEDULE):
        return None
    return now + RETRY_SCHEDULE[attempts - 1]


@dataclass(frozen=True)
class Outcome:
    kind: str  # DELIVERED | RETRY | DEAD | GONE
    state: str  # the event's delivery state afterwards
    next_attempt_at: datetime | None


def classify(status: int | None, attempts: int, now: datetime) -> Outcome:
    """What one attempt means. ``attempts`` counts this attempt; ``status`` None = no HTTP answer.

    2xx delivered; 410 Gone disables the endpoint and leaves the event pending (not counted as a
    failure of the event); anything else is retried on the schedule until it is dead.
    """
    if status is not None and 200 <= status < 300:
        return Outcome(DELIVERED, "delivered", None)
    if status == 410:
        return Outcome(GONE, "pending", now)
    retry_at = next_retry(attempts, now)
    if retry_at is None:
        return Outcome(DEAD, "dead", None)
    return Outcome(RETRY, "failed", retry_at)


@dataclass(frozen=True)
class OutboxCursor:
    """Odoo's outbox ids come from a sequence taken at insert time, so a transaction that commits
    late can make a lower id appear after higher ones were pulled. Missing ids below the highest
    seen are kept as holes (with when they were first noticed) and pulled again until they show up
    or are older than the grace period (then they were rolled back)."""

    after_id: int = 0
    holes: tuple[tuple[int, str], ...] = ()

    def pull_from(self) -> int:
        return min([self.after_id, *[h - 1 for h, _ in self.holes]])

    def to_json(self) -> dict:
        return {"after_id": self.after_id, "holes": [list(h) for h in self.holes]}

    @classmethod
    def from_json(cls, value: dict | None) -> OutboxCursor:
        value = value or {}
        return cls(int(value.get("after_id") or 0), tuple((int(i), str(t)) for i, t in value.get("holes") or []))


def advance_outbox(cursor: OutboxCursor, seen_ids: list[int], now: datetime,
                   grace: timedelta = timedelta(minutes=10), max_holes: int = 1000) -> OutboxCursor:
    seen = set(seen_ids)
    holes = {i: t for i, t in cursor.holes if i not in seen and datetime.fromisoformat(t) > now - grace}
    top = max([cursor.after_id, *seen])
    for i in range(cursor.after_id + 1, top):
        if i not in seen and i not in holes and len(holes) < max_holes:
            holes[i] = now.isoformat()
    return OutboxCursor(top, tuple(sorted(holes.items())))
