"""The intake conversation as a plain state machine: state (a JSON dict) + input -> new state + effects.

No I/O here. What the machine needs from the outside (the fault catalog, the customer's current
case, a plate lookup, an optional fault matcher) arrives in a ``Context``; what it wants done
(open a case, patch it, attach media as evidence, emit events, queue a question) leaves in an
``Outcome`` that ``store.py`` applies in the same transaction as the new state.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from . import parsing
from .intake_types import Context, Inbound, Media, Outcome
from .messages import evidence_label, evidence_list, evidence_received, msg, status_label

__all__ = ["Context", "Inbound", "Media", "Outcome", "evidence_duplicate", "evidence_failed", "evidence_stored",
           "handle",
           "question_unanswered"]

MAX_ATTEMPTS = 3
MAX_DESCRIPTION = 2000
MAX_MENU_FAULTS = 8


_CROSS_CASE_KEYS = ("quote_case_id", "quote_ref", "quote_offer_case_id", "csat_case_id", "csat_visit_id",
                    "followup")


def _reset(state: dict[str, Any], step: str) -> None:
    """Forget the current intake (in place), keeping the cross-case bits (pending quote/CSAT)."""
    keep = {k: state[k] for k in _CROSS_CASE_KEYS if k in state}
    state.clear()
    state.update(step=step, attempts=0, **keep)


def handle(state: dict[str, Any], inbound: Inbound, ctx: Context) -> Outcome:
    state = dict(state or {})
    state.setdefault("step", "start")
    text = inbound.text.strip()
    out = Outcome(state=state)

    if text and _followup(out, text):
        return out

    cmd = parsing.command(text) if text else None
    if cmd == "cancel":
        return _cancel(out)
    if cmd == "menu":
        state["step"] = "menu"
        return out.say("menu")
    if cmd == "handoff":
        return _handoff(out, text)

    if text and state.get("quote_case_id") and parsing.is_accept(text):
        out.accept_quote_case = state.pop("quote_case_id")
        out.accept_quote_ref = state.pop("quote_ref", None) or ""
        return out.say("quote_accepted", case_id=out.accept_quote_case)
    if text and parsing.is_accept(text):
        return out.say("quote_nothing")
    if state.get("quote_offer_case_id") and parsing.normalize(text) in ("cotizar", "cotizacion", "si cotizar"):
        out.request_quote_case = state.pop("quote_offer_case_id")
        return out.say("quote_requested")
    if state.get("csat_case_id") and text:
        digits = parsing.normalize(text).strip("¿? ")
        if digits in {"1", "2", "3", "4", "5"}:
            out.csat = (state.pop("csat_case_id"), int(digits))
            return out.say("csat_thanks", score=out.csat[1])
        if digits.isdigit():
            return out.say("csat_invalid")
        state.pop("csat_case_id")

    step = state["step"] if state["step"] in _STEPS else "start"  # a state from an older version restarts
    state["step"] = step
    if inbound.media and step != "evidence":
        _attach_unassigned(out, inbound)
    if not text and not inbound.media:
        return out.say("empty_body")
    if not text and step != "evidence":
        if step in ("vehicle", "start"):
            state["step"] = "vehicle"
            return out.say("media_ignored_before_case").say("ask_vehicle")
        return _reprompt(out, ctx)
    return _STEPS[step](out, text, inbound, ctx)


# --- follow-up replies (consent, "agendar", "ya lo hice", CSAT of a service visit) ------------------

def _followup(out: Outcome, text: str) -> bool:
    """Answers to the follow-up agents' messages; True when ``text`` was one (``out`` then says why)."""
    state, consent = out.state, parsing.consent_command(text)
    if consent is not None:
        out.consent = consent
        out.say("consent_on" if consent else "consent_off")
        return True
    pending = state.get("followup")
    reply = parsing.followup_reply(text) if isinstance(pending, dict) else None
    if reply:
        state.pop("followup")
        out.followup_reply = {"kind": reply, "vehicle_id": pending.get("vehicle_id"),
                              "milestone_km": pending.get("milestone_km"), "text": text[:300]}
        out.say("followup_scheduled", when=text[:120]) if reply == "schedule" else out.say("followup_already_done")
        return True
    if state.get("csat_visit_id"):
        digits = parsing.normalize(text).strip("¿? ")
        if digits in {"1", "2", "3", "4", "5"}:
            out.followup_reply = {"kind": "csat", "visit_id": state.pop("csat_visit_id"), "score": int(digits)}
            out.say("csat_thanks", score=int(digits))
            return True
        if digits.isdigit() and len(digits) <= 2:  # "45000" is an odometer for a new intake, not a score
            out.say("csat_invalid")
            return True
        state.pop("csat_visit_id")
    return False


# --- steps -----------------------------------------------------------------------------------------

def _start(out: Outcome, text: str, inbound: Inbound, ctx: Context) -> Outcome:
    if parsing.is_question(text) and not parsing.find_vin_candidate(text):
        out.question = text
        return out.say("question_searching")
    _reset(out.state, "vehicle")
    name = f" {inbound.profile_name.split()[0]}" if inbound.profile_name.strip() else ""
    has_vehicle = parsing.find_vin_candidate(text) or parsing.parse_plate(text)
    if not has_vehicle and parsing.symptom_in_greeting(text):
        out.state["symptom"] = text[:MAX_DESCRIPTION]  # confirmed after VIN and km, not asked again
    if has_vehicle:
        out.replies.append(msg("greeting", name=name).split("\n")[0])
        return _vehicle(out, text, inbound, ctx)
    return out.say("greeting", name=name)


def _vehicle(out: Outcome, text: str, inbound: Inbound, ctx: Context) -> Outcome:
    candidate = parsing.find_vin_candidate(text)
    if candidate:
        check = parsing.check_vin(candidate)
        if not check.ok:
            key = {"length": "vin_bad_length", "chars": "vin_bad_chars"}.get(check.problem, "vin_bad_check")
            return _retry(out.say(key, length=len(check.vin)))
        out.say("vehicle_ok_vin", vin=check.vin)
        _ensure_case(out, ctx)
        out.case_patch.update(vin=check.vin)
    else:
        plate = parsing.parse_plate(text)
        if not plate:
            return _retry(out.say("not_a_vehicle"))
        vin = ctx.vehicle_by_plate(plate)
        _ensure_case(out, ctx)
        out.case_patch.update(plate=plate)
        if vin:
            out.case_patch.update(vin=vin)
            out.say("vehicle_ok_plate_known", plate=plate, vin=vin)
        else:
            out.say("vehicle_ok_plate_new", plate=plate)
    out.state.update(step="odometer", attempts=0)
    return out.say("ask_odometer")


def _odometer(out: Outcome, text: str, inbound: Inbound, ctx: Context) -> Outcome:
    km = parsing.parse_odometer(text)
    if km is None:
        return _retry(out.say("bad_odometer"))
    out.case_patch.update(odo_km=km)
    out.state.update(step="symptom", attempts=0)
    out.say("odometer_ok", km=km)
    said = out.state.pop("symptom", None)
    if said:
        return _symptom(out.say("symptom_kept", text=said), said, inbound, ctx)
    return out.say("ask_symptom")


def _symptom(out: Outcome, text: str, inbound: Inbound, ctx: Context) -> Outcome:
    if len(parsing.stems(text)) < 1:
        return _retry(out.say("symptom_too_short"))
    out.case_patch.update(description=text[:MAX_DESCRIPTION])
    codes = parsing.match_faults(text, ctx.faults)
    if ctx.fault_matcher is not None:
        known = {f.code for f in ctx.faults}
        codes = list(dict.fromkeys([c for c in ctx.fault_matcher(text) if c in known] + codes))[:3]
    out.state["attempts"] = 0
    if codes:
        out.state.update(step="confirm", candidates=codes)
        return out.say("confirm_fault", name=ctx.fault(codes[0]).name)
    return _offer_menu(out, ctx)


def _confirm(out: Outcome, text: str, inbound: Inbound, ctx: Context) -> Outcome:
    answer = parsing.yes_no(text)
    if answer is True:
        return _set_fault(out, ctx, out.state["candidates"][0])
    if answer is False:  # the matcher's other candidates first, then the usual list
        return _offer_menu(out, ctx, first=out.state["candidates"][1:])
    return _retry(out.say("confirm_fault", name=ctx.fault(out.state["candidates"][0]).name))


def _choose(out: Outcome, text: str, inbound: Inbound, ctx: Context) -> Outcome:
    options = out.state.get("options", [])
    choice = parsing.normalize(text).strip("¿? .")
    if choice.isdigit() and 1 <= int(choice) <= len(options) + 1:
        n = int(choice)
        if n <= len(options):
            return _set_fault(out, ctx, options[n - 1])
        out.say("fault_unclassified")
        return _enter_evidence(out, ctx, [])
    return _retry(_offer_menu(out, ctx, first=options))


def _evidence(out: Outcome, text: str, inbound: Inbound, ctx: Context) -> Outcome:
    state = out.state
    if inbound.media:
        received, extra = [], 0
        for media in inbound.media:
            kind = _next_missing(state, media.content_type)
            out.media_kinds[media.index] = kind
            if kind:
                state["pending"] = [*state.get("pending", []), kind]
                received.append(kind)
            else:
                extra += 1
        if received:
            out.say("evidence_received", what=evidence_list(received, evidence_received))
        if extra:
            out.say("evidence_extra", count=extra)
    missing = _missing(state)
    if missing:
        if inbound.media:
            return out.say("ask_evidence_next", next=evidence_label(missing[0]))
        return out.say("evidence_need_media", next=evidence_label(missing[0]))
    if state.get("pending"):
        return out.say("evidence_processing")
    return _complete(out)


def _done(out: Outcome, text: str, inbound: Inbound, ctx: Context) -> Outcome:
    if parsing.normalize(text) in ("nuevo", "nuevo caso", "1"):
        _reset(out.state, "vehicle")
        return out.say("ask_vehicle")
    if parsing.is_question(text):
        out.question = text
        return out.say("question_searching")
    if ctx.case:
        return out.say("idle", case_id=ctx.case["id"])
    return _start(out, text, inbound, ctx)


def _handoff_step(out: Outcome, text: str, inbound: Inbound, ctx: Context) -> Outcome:
    if parsing.normalize(text) in ("nuevo", "nuevo caso"):
        _reset(out.state, "vehicle")
        return out.say("ask_vehicle")
    return out  # a person has the conversation: store, answer nothing


def _menu(out: Outcome, text: str, inbound: Inbound, ctx: Context) -> Outcome:
    choice = parsing.normalize(text).strip("¿? .")
    if choice == "1":
        _reset(out.state, "vehicle")
        return out.say("ask_vehicle")
    if choice == "2":
        out.state["step"] = "done"
        if not ctx.case:
            return out.say("status_none")
        return out.say("status_case", case_id=ctx.case["id"], status=status_label(ctx.case.get("status")))
    if choice == "3":
        out.state["step"] = "question"
        return out.say("ask_question")
    if choice == "4":
        return _handoff(out, msg("note_menu_handoff"))
    out.state["step"] = "done"
    return _done(out, text, inbound, ctx)


def _question(out: Outcome, text: str, inbound: Inbound, ctx: Context) -> Outcome:
    out.state["step"] = "done"
    out.question = text
    return out.say("question_searching")


_STEPS: dict[str, Callable[[Outcome, str, Inbound, Context], Outcome]] = {
    "start": _start, "vehicle": _vehicle, "odometer": _odometer, "symptom": _symptom, "confirm": _confirm,
    "choose": _choose, "evidence": _evidence, "done": _done, "handoff": _handoff_step, "menu": _menu,
    "question": _question,
}


# --- callbacks from the media worker --------------------------------------------------------------

def evidence_stored(state: dict[str, Any], case_id: int, kind: str | None) -> Outcome:
    """A queued file was stored. Completes the intake when nothing is missing or pending."""
    out = Outcome(state=dict(state or {}))
    if out.state.get("case_id") != case_id or not kind:
        return out
    _drop_pending(out.state, kind)
    if kind not in out.state.get("provided", []):
        out.state["provided"] = [*out.state.get("provided", []), kind]
    if out.state.get("step") == "evidence" and not _missing(out.state) and not out.state.get("pending"):
        return _complete(out)
    return out


def evidence_duplicate(state: dict[str, Any], case_id: int, kind: str | None, first_kind: str | None) -> Outcome:
    """A queued file turned out to be bytes the case already has: nothing is credited for it.

    ``kind`` is what the file was expected to be, ``first_kind`` what the same bytes were the first time.
    """
    out = Outcome(state=dict(state or {}))
    if out.state.get("case_id") != case_id:
        return out
    if kind:
        _drop_pending(out.state, kind)
    what = evidence_received(first_kind) if first_kind else msg("your_file")
    out.say("evidence_duplicate", what=what)
    if out.state.get("step") != "evidence":
        return out
    missing = _missing(out.state)
    if missing:
        return out.say("evidence_need_media", next=evidence_label(missing[0]))
    if not out.state.get("pending"):
        return _complete(out)
    return out


def evidence_failed(state: dict[str, Any], case_id: int, kind: str | None, reason: str) -> Outcome:
    out = Outcome(state=dict(state or {}))
    what = evidence_label(kind) if kind else msg("your_file")
    if out.state.get("case_id") == case_id and kind:
        _drop_pending(out.state, kind)
    return out.say("media_failed", what=what, reason=reason)


# --- helpers ---------------------------------------------------------------------------------------

def _ensure_case(out: Outcome, ctx: Context) -> None:
    if not out.state.get("case_id"):
        out.open_case = True


def _retry(out: Outcome) -> Outcome:
    out.state["attempts"] = out.state.get("attempts", 0) + 1
    if out.state["attempts"] >= MAX_ATTEMPTS:
        out.say("too_many_attempts", handoff=msg("handoff_hint"))
    return out


def _reprompt(out: Outcome, ctx: Context) -> Outcome:
    step = out.state["step"]
    if step == "odometer":
        return out.say("ask_odometer")
    if step == "symptom":
        return out.say("ask_symptom")
    if step == "confirm":
        return out.say("confirm_fault", name=ctx.fault(out.state["candidates"][0]).name)
    if step == "choose":
        return _offer_menu(out, ctx)
    if step == "handoff":
        return out
    return out.say("menu")


def _offer_menu(out: Outcome, ctx: Context, first: Sequence[str] = ()) -> Outcome:
    firsts = [f for f in (ctx.fault(code) for code in dict.fromkeys(first)) if f]
    faults = (firsts + [f for f in ctx.faults if f not in firsts])[:MAX_MENU_FAULTS]
    if not faults:
        out.say("fault_unclassified")
        return _enter_evidence(out, ctx, [])
    out.state.update(step="choose", options=[f.code for f in faults])
    options = "\n".join(f"{i}. {f.name}" for i, f in enumerate(faults, 1))
    return out.say("choose_fault", options=options, other=msg("choose_fault_other", n=len(faults) + 1))


def _set_fault(out: Outcome, ctx: Context, code: str) -> Outcome:
    fault = ctx.fault(code)
    out.case_patch.update(falla_tipo=code)
    return _enter_evidence(out, ctx, list(fault.required_evidence) if fault else [])


def _enter_evidence(out: Outcome, ctx: Context, required: list[str]) -> Outcome:
    provided = list(ctx.case.get("evidence_provided") or []) if ctx.case else []
    out.state.update(step="evidence", required=required, attempts=0)
    out.state["provided"] = sorted(set(out.state.get("provided", [])) | set(provided))
    out.state.setdefault("pending", [])
    out.case_patch.update(evidence_required=required)
    missing = _missing(out.state)
    if not missing:
        return _complete(out) if not out.state["pending"] else out.say("evidence_processing")
    return out.say("ask_evidence", items=evidence_list(missing), next=evidence_label(missing[0]))


def _missing(state: dict[str, Any]) -> list[str]:
    have = set(state.get("provided", [])) | set(state.get("pending", []))
    return [k for k in state.get("required", []) if k not in have]


def _next_missing(state: dict[str, Any], content_type: str) -> str | None:
    major = (content_type or "").split("/")[0]
    for kind in _missing(state):
        if kind.endswith("_video") and major != "video":
            continue
        if kind.endswith("_photo") and major != "image":
            continue
        return kind
    return None


def _drop_pending(state: dict[str, Any], kind: str) -> None:
    pending = list(state.get("pending", []))
    if kind in pending:
        pending.remove(kind)
    state["pending"] = pending


def _complete(out: Outcome) -> Outcome:
    out.state.update(step="done", attempts=0)
    out.case_patch.update(status="complete")
    return out.say("case_complete", case_id=out.state.get("case_id") or "?")


def _attach_unassigned(out: Outcome, inbound: Inbound) -> None:
    """Files sent before the evidence step are kept on the case (opened now if needed), unassigned."""
    if not out.state.get("case_id"):
        out.open_case = True
    for media in inbound.media:
        out.media_kinds[media.index] = None


def _cancel(out: Outcome) -> Outcome:
    step = out.state.get("step", "start")
    if step in ("start", "done", "handoff", "menu", "question") or not out.state.get("case_id"):
        out.state["step"] = "start" if step != "done" else "done"
        return out.say("nothing_to_cancel")
    out.case_patch.update(status="cancelled")
    _reset(out.state, "start")
    return out.say("cancelled")


def _handoff(out: Outcome, text: str) -> Outcome:
    if not out.state.get("case_id"):
        out.open_case = True
    out.case_patch.update(status="handoff")
    out.handoff_note = text[:500]
    out.state.update(step="handoff", attempts=0)
    return out.say("handoff")


def question_unanswered(state: dict[str, Any], question: str) -> Outcome:
    """The manuals had no answer (or no manuals search exists): hand the conversation to a person."""
    out = Outcome(state=dict(state or {}))
    out.replies.append(msg("question_no_answer"))
    _handoff(out, msg("note_unanswered", question=question))
    out.replies.pop()  # question_no_answer already says a person will follow up
    return out
