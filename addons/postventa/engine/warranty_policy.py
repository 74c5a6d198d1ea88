"""Warranty policy engine: plain data in, a decision out. No Odoo, no I/O.

The ORM gathers :class:`CaseFacts` and a :class:`Policy`; :func:`evaluate` returns a
:class:`Decision` with the outcome (``eligible`` / ``review`` / ``no_eligible``), the reasons
(machine code + Spanish message + parameters), the coverage applied and the inputs it saw.

Precedence: a definite "no" (wear item, not covered, coverage expired by time or km) wins;
otherwise anything uncertain (unknown vehicle, fault, delivery date or odometer, contradictory
odometer or powertrain, missing evidence) sends the case to a person (``review``); otherwise
``eligible``. Coverage limits are inclusive: on the last day and at the last kilometre the car is
covered. Messages are Spanish (Mexico): names come from :class:`Labels` (evidence, systems, read
in the company's language by the caller), dates read dd/mm/aaaa; ``params`` stay machine-readable.

Identity rule: when the person asking is not verified as the vehicle's owner (``owner_verified`` false:
the WhatsApp number is not the owner's phone on file and no one at the dealer confirmed it), the outcome
is ``review`` whatever else holds, with ``owner_unverified`` first and the other reasons kept for the
person who checks; no decision about someone else's vehicle is made automatically.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date

ELIGIBLE = "eligible"
REVIEW = "review"
NO_ELIGIBLE = "no_eligible"
OUTCOMES = (ELIGIBLE, REVIEW, NO_ELIGIBLE)

# An odometer that grew faster than this since delivery is not believed (km per day).
MAX_PLAUSIBLE_KM_PER_DAY = 1500


@dataclass(frozen=True)
class Coverage:
    code: str
    name: str
    months: int
    km: int
    systems: frozenset[str] = frozenset()
    fault_codes: frozenset[str] = frozenset()
    powertrains: frozenset[str] = frozenset()  # empty: every powertrain

    def covers(self, fault_code: str | None, system: str | None) -> bool:
        """The coverage names this fault or its system (whatever the powertrain)."""
        return (fault_code is not None and fault_code in self.fault_codes) or (
            system is not None and system in self.systems
        )

    def fits(self, powertrain: str | None) -> bool:
        return not self.powertrains or powertrain in self.powertrains

    def applies_to(self, fault_code: str | None, system: str | None, powertrain: str | None) -> bool:
        return self.fits(powertrain) and self.covers(fault_code, system)


@dataclass(frozen=True)
class Policy:
    version: str
    coverages: tuple[Coverage, ...]
    # Faults this version excludes as wear items on top of the catalog's own flag (what-if: a new exclusion).
    wear_fault_codes: frozenset[str] = frozenset()


@dataclass(frozen=True)
class OdometerReading:
    date: date
    km: int


@dataclass(frozen=True)
class CaseFacts:
    evaluation_date: date
    vehicle_known: bool = True
    delivery_date: date | None = None
    powertrain: str | None = None
    odometer_km: int | None = None
    odometer_history: tuple[OdometerReading, ...] = ()
    fault_code: str | None = None
    fault_system: str | None = None
    model_powertrain: str | None = None  # what the vehicle-model catalogue says, when it knows the model
    fault_is_wear_item: bool = False
    fault_coverage_code: str | None = None
    evidence_required: frozenset[str] = frozenset()
    evidence_provided: frozenset[str] = frozenset()
    owner_verified: bool = True

    def as_inputs(self) -> dict:
        """The inputs as JSON-ready data, stored with every decision."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}  # asdict() deep-copies: 10x slower
        data["evaluation_date"] = self.evaluation_date.isoformat()
        data["delivery_date"] = self.delivery_date.isoformat() if self.delivery_date else None
        data["odometer_history"] = [
            {"date": r.date.isoformat(), "km": r.km} for r in sorted(self.odometer_history, key=lambda r: r.date)
        ]
        data["evidence_required"] = sorted(self.evidence_required)
        data["evidence_provided"] = sorted(self.evidence_provided)
        return data

    @property
    def effective_powertrain(self) -> str | None:
        return self.powertrain or self.model_powertrain


def same_inputs(stored: dict | None, inputs: dict) -> bool:
    """Whether two decisions saw the same facts (the evaluation day aside, lists in any order)."""
    if not stored:
        return False
    return _normalized(stored) == _normalized(inputs)


def _normalized(inputs: dict) -> dict:
    data = {k: v for k, v in inputs.items() if k != "evaluation_date"}
    data.setdefault("model_powertrain", None)  # decisions stored before the model catalogue existed
    for key in ("evidence_required", "evidence_provided"):
        data[key] = sorted(data.get(key) or [])
    data["odometer_history"] = sorted(
        (r["date"], r["km"]) for r in data.get("odometer_history") or []
    )
    return data


@dataclass(frozen=True)
class Labels:
    """Display names in the company's language, by code (the caller reads them from the catalogs)."""

    evidence: Mapping[str, str] = field(default_factory=dict)
    systems: Mapping[str, str] = field(default_factory=dict)
    powertrains: Mapping[str, str] = field(default_factory=dict)

    def evidence_name(self, code: str) -> str:
        return self.evidence.get(code) or code.replace("_", " ")

    def system_name(self, code: str) -> str:
        return self.systems.get(code) or code.replace("_", " ")

    def powertrain_name(self, code: str | None) -> str:
        if not code:
            return "sin registrar"
        return self.powertrains.get(code) or POWERTRAIN_NAMES.get(code) or code.replace("_", " ")


POWERTRAIN_NAMES = {
    "gasoline": "gasolina", "diesel": "diésel", "hybrid": "híbrido", "plugin_hybrid": "híbrido enchufable",
    "electric": "eléctrico",
}


@dataclass(frozen=True)
class Reason:
    code: str
    outcome: str  # the outcome this reason pushes towards
    message: str
    params: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"code": self.code, "outcome": self.outcome, "message": self.message, "params": self.params}


@dataclass(frozen=True)
class Decision:
    outcome: str
    reasons: tuple[Reason, ...]
    policy_version: str
    coverage_code: str | None
    coverage_expires_on: date | None
    km_limit: int | None
    inputs: dict

    def reasons_as_dicts(self) -> list[dict]:
        return [r.as_dict() for r in self.reasons]

    @property
    def summary(self) -> str:
        return "; ".join(r.message for r in self.reasons)


def add_months(start: date, months: int) -> date:
    """``start`` plus whole months, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def _fmt_km(km: int) -> str:
    return f"{km:,}"  # Mexican usage: 60,000


def fmt_date(value: date) -> str:
    return value.strftime("%d/%m/%Y")  # Mexican usage: 01/12/2026


def _odometer_problem(facts: CaseFacts) -> Reason | None:
    """A reason to distrust the odometer at intake, or None."""
    previous = [r for r in facts.odometer_history if r.date <= facts.evaluation_date]
    if previous:
        highest = max(previous, key=lambda r: (r.km, r.date))
        if facts.odometer_km < highest.km:
            return Reason(
                "odometer_inconsistent",
                REVIEW,
                f"El odómetro reportado ({_fmt_km(facts.odometer_km)} km) es menor que una lectura anterior "
                f"({_fmt_km(highest.km)} km del {fmt_date(highest.date)}).",
                {
                    "reported_km": facts.odometer_km,
                    "previous_km": highest.km,
                    "previous_date": highest.date.isoformat(),
                },
            )
    if facts.delivery_date and facts.evaluation_date >= facts.delivery_date:
        days = (facts.evaluation_date - facts.delivery_date).days + 1
        if facts.odometer_km > days * MAX_PLAUSIBLE_KM_PER_DAY:
            return Reason(
                "odometer_implausible",
                REVIEW,
                f"{_fmt_km(facts.odometer_km)} km en {days} días desde la entrega no es verosímil.",
                {"reported_km": facts.odometer_km, "days_in_service": days},
            )
    return None


def _coverage_check(cov: Coverage, facts: CaseFacts, km_trusted: bool) -> tuple[date | None, list[Reason]]:
    """Expiry date and the expiry reasons (empty when still in force) for one coverage."""
    reasons = []
    expires_on = add_months(facts.delivery_date, cov.months) if facts.delivery_date else None
    if expires_on and facts.evaluation_date > expires_on:
        reasons.append(Reason(
            "time_exceeded",
            NO_ELIGIBLE,
            f"La cobertura «{cov.name}» ({cov.months} meses) venció el {fmt_date(expires_on)}.",
            {"coverage": cov.code, "months": cov.months, "expired_on": expires_on.isoformat()},
        ))
    if km_trusted and facts.odometer_km is not None and facts.odometer_km > cov.km:
        reasons.append(Reason(
            "km_exceeded",
            NO_ELIGIBLE,
            f"El vehículo tiene {_fmt_km(facts.odometer_km)} km; la cobertura «{cov.name}» llega a "
            f"{_fmt_km(cov.km)} km.",
            {"coverage": cov.code, "km_limit": cov.km, "odometer_km": facts.odometer_km},
        ))
    return expires_on, reasons


def applicable_coverages(policy: Policy, facts: CaseFacts, any_powertrain: bool = False) -> list[Coverage]:
    """Coverages for the fault on the vehicle's powertrain (on any powertrain with ``any_powertrain``)."""
    powertrain = facts.effective_powertrain

    def fits(cov: Coverage) -> bool:
        return any_powertrain or cov.fits(powertrain)

    if facts.fault_coverage_code:
        forced = [c for c in policy.coverages if c.code == facts.fault_coverage_code and fits(c)]
        if forced:
            return forced
    return [c for c in policy.coverages if fits(c) and c.covers(facts.fault_code, facts.fault_system)]


def _powertrain_problem(facts: CaseFacts, labels: Labels) -> Reason | None:
    """The vehicle record and the model catalogue disagree on the powertrain."""
    if facts.powertrain and facts.model_powertrain and facts.powertrain != facts.model_powertrain:
        return Reason(
            "powertrain_contradiction",
            REVIEW,
            f"El vehículo está registrado como {labels.powertrain_name(facts.powertrain)} pero su modelo es "
            f"{labels.powertrain_name(facts.model_powertrain)}: confirmar el tren motriz.",
            {"powertrain": facts.powertrain, "model_powertrain": facts.model_powertrain},
        )
    return None


def evaluate(policy: Policy, facts: CaseFacts, labels: Labels | None = None) -> Decision:
    """Decide one case. Pure: the same policy, facts and labels always give the same decision."""
    labels = labels or Labels()
    no: list[Reason] = []
    review: list[Reason] = []
    chosen: Coverage | None = None
    expires_on: date | None = None

    if not facts.vehicle_known:
        review.append(Reason("vehicle_unknown", REVIEW, "No se identificó el vehículo (VIN o placas)."))
    wear_item = facts.fault_is_wear_item or facts.fault_code in policy.wear_fault_codes
    if not facts.fault_code:
        review.append(Reason("fault_unknown", REVIEW, "La falla no está identificada en el catálogo."))
    elif wear_item:
        no.append(Reason(
            "wear_item_excluded",
            NO_ELIGIBLE,
            f"La falla {facts.fault_code} corresponde a un elemento de desgaste, excluido de la garantía.",
            {"fault": facts.fault_code},
        ))
    if facts.delivery_date is None:
        review.append(Reason(
            "delivery_date_unknown", REVIEW, "Se desconoce la fecha de entrega (inicio de la garantía)."
        ))
    km_trusted = False
    if facts.odometer_km is None:
        review.append(Reason("odometer_missing", REVIEW, "Falta la lectura del odómetro."))
    else:
        problem = _odometer_problem(facts)
        if problem:
            review.append(problem)
        else:
            km_trusted = True

    powertrain_problem = _powertrain_problem(facts, labels)
    if powertrain_problem:
        review.append(powertrain_problem)

    if facts.fault_code and not wear_item:
        candidates = applicable_coverages(policy, facts)
        elsewhere = not candidates and applicable_coverages(policy, facts, any_powertrain=True)
        if elsewhere:
            # A coverage exists for this fault, but not on the powertrain recorded: the facts
            # contradict each other (a hybrid-system fault on a "gasoline" car) or are unknown.
            system = labels.system_name(facts.fault_system) if facts.fault_system else facts.fault_code
            review.append(Reason(
                "powertrain_mismatch",
                REVIEW,
                f"La falla {facts.fault_code} ({system}) corresponde a otro tren motriz; el vehículo está "
                f"registrado como {labels.powertrain_name(facts.effective_powertrain)}: confirmar el tren motriz.",
                {"fault": facts.fault_code, "system": facts.fault_system, "powertrain": facts.effective_powertrain,
                 "coverages": sorted(c.code for c in elsewhere)},
            ))
        elif not candidates:
            no.append(Reason(
                "not_covered",
                NO_ELIGIBLE,
                f"Ninguna cobertura de la política {policy.version} cubre la falla {facts.fault_code}"
                + (f" ({labels.system_name(facts.fault_system)})." if facts.fault_system else "."),
                {"fault": facts.fault_code, "system": facts.fault_system},
            ))
        else:
            checks = [(cov, *_coverage_check(cov, facts, km_trusted)) for cov in candidates]
            in_force = [c for c in checks if not c[2]]
            if in_force:
                # The most generous coverage still in force: latest expiry, then most km.
                chosen, expires_on, _ = max(in_force, key=lambda c: (c[1] or date.max, c[0].km, c[0].code))
            else:
                chosen, expires_on, expired_reasons = max(
                    checks, key=lambda c: (c[1] or date.max, c[0].km, c[0].code)
                )
                no.extend(expired_reasons)

    missing = sorted(facts.evidence_required - facts.evidence_provided)
    if missing:
        review.append(Reason(
            "evidence_missing",
            REVIEW,
            "Falta evidencia: " + ", ".join(labels.evidence_name(code) for code in missing) + ".",
            {"missing": missing},
        ))

    if no:
        outcome, reasons = NO_ELIGIBLE, no + review
    elif review:
        outcome, reasons = REVIEW, review
    else:
        outcome = ELIGIBLE
        reasons = [Reason(
            "covered",
            ELIGIBLE,
            f"Cubierto por «{chosen.name}» hasta el {fmt_date(expires_on)} o {_fmt_km(chosen.km)} km.",
            {"coverage": chosen.code, "expires_on": expires_on.isoformat(), "km_limit": chosen.km},
        )]
    if not facts.owner_verified:
        outcome = REVIEW
        reasons = [Reason(
            "owner_unverified",
            REVIEW,
            "Dueño no verificado: el número de WhatsApp no es el teléfono registrado del dueño del vehículo; "
            "confirmar la identidad antes de decidir.",
        ), *reasons]
    return Decision(
        outcome=outcome,
        reasons=tuple(reasons),
        policy_version=policy.version,
        coverage_code=chosen.code if chosen else None,
        coverage_expires_on=expires_on,
        km_limit=chosen.km if chosen else None,
        inputs=facts.as_inputs(),
    )
