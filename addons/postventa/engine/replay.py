"""Policy what-if: replay stored decisions under another policy version. No Odoo, no I/O.

Every decision stores the inputs the engine saw (:meth:`CaseFacts.as_inputs`). :func:`facts_from_inputs`
turns them back into :class:`CaseFacts` (the round trip is exact; keys the facts do not know, such as a
time zone added by a later version of the inputs, are ignored), and :func:`replay` runs the very same
:func:`evaluate` over them. Under the policy that took the decisions the replay reproduces every stored
outcome; under a draft version it shows what that version would have decided.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from datetime import date, datetime

from .warranty_policy import CaseFacts, Decision, OdometerReading, Policy, evaluate

_FACT_FIELDS = frozenset(f.name for f in fields(CaseFacts))
_DATE_FIELDS = ("evaluation_date", "delivery_date")
_SET_FIELDS = ("evidence_required", "evidence_provided")


def _to_date(value) -> date | None:
    if type(value) is str and len(value) == 10:  # the stored form, "2026-12-02": the fast path
        return date.fromisoformat(value)
    if value in (None, "", False):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    # "2026-12-02" or an ISO datetime with an offset ("2026-12-02T09:30:00-06:00"): its local date.
    return date.fromisoformat(str(value)[:10])


def facts_from_inputs(inputs: dict) -> CaseFacts:
    """The :class:`CaseFacts` a decision's stored ``inputs`` describe (inverse of ``as_inputs``)."""
    data = dict(inputs) if inputs.keys() <= _FACT_FIELDS else {
        key: value for key, value in inputs.items() if key in _FACT_FIELDS
    }
    for key in _DATE_FIELDS:
        if key in data:
            data[key] = _to_date(data[key])
    for key in _SET_FIELDS:
        if key in data:
            data[key] = frozenset(data[key] or ())
    history = data.get("odometer_history")
    if history is not None:
        data["odometer_history"] = tuple(OdometerReading(_to_date(r["date"]), r["km"]) for r in history)
    return CaseFacts(**data)


@dataclass(frozen=True)
class StoredDecision:
    """What the replay needs from one stored decision."""

    case_id: int
    outcome: str
    inputs: dict
    reasons: str = ""


@dataclass(frozen=True)
class Replayed:
    stored: StoredDecision
    decision: Decision

    @property
    def flipped(self) -> bool:
        return self.decision.outcome != self.stored.outcome

    @property
    def flip(self) -> str:
        return flip_key(self.stored.outcome, self.decision.outcome)


def flip_key(old: str, new: str) -> str:
    """The contract's spelling of an outcome change: ``eligible->no_eligible``."""
    return f"{old}->{new}"


def replay(policy: Policy, stored: Iterable[StoredDecision]) -> Iterator[Replayed]:
    """Evaluate each stored decision's inputs again under ``policy``."""
    for row in stored:
        yield Replayed(row, evaluate(policy, facts_from_inputs(row.inputs)))


def summarize(replayed: Iterable[Replayed], cost_of=None) -> dict:
    """``{"cases", "unchanged", "flips", "flipped_case_ids", "cost_impact"}`` of a replay.

    ``cost_of(replayed)`` prices one flipped case (see the model: warranty cost added when a case
    would become eligible, removed when it would become no_eligible); without it the impact is 0.
    """
    cases = unchanged = 0
    flips: Counter[str] = Counter()
    flipped_ids: list[int] = []
    cost = 0.0
    for item in replayed:
        cases += 1
        if not item.flipped:
            unchanged += 1
            continue
        flips[item.flip] += 1
        flipped_ids.append(item.stored.case_id)
        if cost_of:
            cost += cost_of(item)
    return {
        "cases": cases,
        "unchanged": unchanged,
        "flips": dict(sorted(flips.items())),
        "flipped_case_ids": flipped_ids,
        "cost_impact": round(cost, 2),
    }
