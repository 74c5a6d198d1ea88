"""What the intake state machine reads (``Inbound``, ``Context``) and what it decides (``Outcome``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .messages import msg
from .parsing import Fault


@dataclass(frozen=True)
class Media:
    index: int
    url: str
    content_type: str


@dataclass(frozen=True)
class Inbound:
    text: str = ""
    media: tuple[Media, ...] = ()
    profile_name: str = ""


@dataclass
class Context:
    faults: list[Fault] = field(default_factory=list)
    case: dict[str, Any] | None = None  # the latest case of this contact (id, status, evidence_provided…)
    vehicle_by_plate: Callable[[str], str | None] = lambda plate: None
    fault_matcher: Callable[[str], list[str]] | None = None  # free text -> fault codes, best first (fast)

    def fault(self, code: str | None) -> Fault | None:
        return next((f for f in self.faults if f.code == code), None)


@dataclass
class Outcome:
    state: dict[str, Any]
    replies: list[str] = field(default_factory=list)
    open_case: bool = False  # start a new case (status intake) before applying case_patch
    case_patch: dict[str, Any] = field(default_factory=dict)
    media_kinds: dict[int, str | None] = field(default_factory=dict)  # media index -> evidence kind
    handoff_note: str | None = None  # the customer asked for a person: Odoo schedules the activity
    question: str | None = None
    accept_quote_case: int | None = None
    accept_quote_ref: str = ""  # which approved quote (its Odoo name), so a later quote can be accepted too
    request_quote_case: int | None = None
    csat: tuple[int, int] | None = None  # (case id, score)
    consent: bool | None = None  # follow-ups: "baja" -> False, "alta" -> True
    followup_reply: dict[str, Any] | None = None  # answer to a follow-up, for postventa.agent.bridge_followup_reply

    def say(self, key: str, **values: Any) -> Outcome:
        self.replies.append(msg(key, **values))
        return self
