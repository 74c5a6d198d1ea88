"""Warranty policy engine, without a database: every boundary of time, km, coverage and evidence."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.addon_modules import load

wp = load("postventa/engine/warranty_policy.py", "postventa_warranty_policy")

BASIC = wp.Coverage("basic", "Básica", 36, 60_000, systems=frozenset({"electrical", "hvac", "body", "brakes"}))
POWERTRAIN = wp.Coverage(
    "powertrain", "Tren motriz", 60, 100_000, systems=frozenset({"engine", "transmission"})
)
HYBRID = wp.Coverage(
    "hybrid", "Sistema híbrido", 96, 160_000,
    systems=frozenset({"hybrid"}), powertrains=frozenset({"hybrid", "plugin_hybrid"}),
)
POLICY = wp.Policy("2026.1", (BASIC, POWERTRAIN, HYBRID))
DELIVERED = date(2023, 3, 15)


def facts(**overrides):
    base = {
        "evaluation_date": date(2024, 6, 1),
        "delivery_date": DELIVERED,
        "powertrain": "gasoline",
        "odometer_km": 20_000,
        "fault_code": "ELE-001",
        "fault_system": "electrical",
        "evidence_required": frozenset({"odometer_photo"}),
        "evidence_provided": frozenset({"odometer_photo"}),
    }
    base.update(overrides)
    return wp.CaseFacts(**base)


def codes(decision):
    return [r.code for r in decision.reasons]


def test_covered_case_is_eligible_with_its_coverage():
    d = wp.evaluate(POLICY, facts())
    assert d.outcome == wp.ELIGIBLE
    assert d.coverage_code == "basic"
    assert d.coverage_expires_on == date(2026, 3, 15)
    assert codes(d) == ["covered"]
    assert d.policy_version == "2026.1"


def test_exactly_36_months_is_covered_one_day_more_is_not():
    last_day = wp.add_months(DELIVERED, 36)
    assert last_day == date(2026, 3, 15)
    assert wp.evaluate(POLICY, facts(evaluation_date=last_day)).outcome == wp.ELIGIBLE
    late = wp.evaluate(POLICY, facts(evaluation_date=last_day + timedelta(days=1)))
    assert late.outcome == wp.NO_ELIGIBLE
    assert codes(late) == ["time_exceeded"]
    assert late.reasons[0].params["expired_on"] == "2026-03-15"


def test_exactly_60000_km_is_covered_one_km_more_is_not():
    assert wp.evaluate(POLICY, facts(odometer_km=60_000)).outcome == wp.ELIGIBLE
    over = wp.evaluate(POLICY, facts(odometer_km=60_001))
    assert over.outcome == wp.NO_ELIGIBLE
    assert codes(over) == ["km_exceeded"]
    assert over.reasons[0].params == {"coverage": "basic", "km_limit": 60_000, "odometer_km": 60_001}


def test_hybrid_system_gets_the_hybrid_coverage_only_on_hybrids():
    hybrid_fault = {"fault_code": "HYB-001", "fault_system": "hybrid", "odometer_km": 120_000,
                        "evaluation_date": date(2029, 1, 10)}
    on_hybrid = wp.evaluate(POLICY, facts(powertrain="hybrid", **hybrid_fault))
    assert on_hybrid.outcome == wp.ELIGIBLE
    assert on_hybrid.coverage_code == "hybrid"
    # A hybrid-system fault on a car recorded as gasoline contradicts itself: a person looks (issue 12.5).
    on_gasoline = wp.evaluate(POLICY, facts(powertrain="gasoline", **hybrid_fault))
    assert on_gasoline.outcome == wp.REVIEW
    assert codes(on_gasoline) == ["powertrain_mismatch"]


def test_hybrid_limit_is_96_months_and_160000_km():
    base = {"powertrain": "hybrid", "fault_code": "HYB-001", "fault_system": "hybrid"}
    end = wp.add_months(DELIVERED, 96)
    assert wp.evaluate(POLICY, facts(evaluation_date=end, odometer_km=160_000, **base)).outcome == wp.ELIGIBLE
    d = wp.evaluate(POLICY, facts(evaluation_date=end, odometer_km=160_001, **base))
    assert (d.outcome, codes(d)) == (wp.NO_ELIGIBLE, ["km_exceeded"])


def test_engine_fault_on_basic_expired_but_powertrain_in_force():
    # 40 months, 70,000 km: basic is over, powertrain (60 months / 100,000 km) still applies.
    d = wp.evaluate(POLICY, facts(fault_code="ENG-001", fault_system="engine",
                                  evaluation_date=date(2026, 7, 20), odometer_km=70_000))
    assert d.outcome == wp.ELIGIBLE
    assert d.coverage_code == "powertrain"


def test_excluded_wear_item_is_no_eligible_whatever_the_age():
    d = wp.evaluate(POLICY, facts(fault_code="BRK-010", fault_system="brakes", fault_is_wear_item=True,
                                  odometer_km=5_000))
    assert d.outcome == wp.NO_ELIGIBLE
    assert codes(d) == ["wear_item_excluded"]
    assert d.coverage_code is None


def test_missing_delivery_date_sends_to_review():
    d = wp.evaluate(POLICY, facts(delivery_date=None))
    assert d.outcome == wp.REVIEW
    assert codes(d) == ["delivery_date_unknown"]


def test_missing_evidence_sends_to_review_and_names_it():
    d = wp.evaluate(POLICY, facts(evidence_required=frozenset({"odometer_photo", "noise_video"}),
                                  evidence_provided=frozenset({"odometer_photo"})))
    assert d.outcome == wp.REVIEW
    assert codes(d) == ["evidence_missing"]
    assert d.reasons[0].params == {"missing": ["noise_video"]}


def test_contradictory_odometer_sends_to_review_even_when_km_would_fail():
    history = (wp.OdometerReading(date(2024, 1, 10), 80_000),)
    d = wp.evaluate(POLICY, facts(odometer_km=30_000, odometer_history=history))
    assert d.outcome == wp.REVIEW
    assert codes(d) == ["odometer_inconsistent"]
    assert d.reasons[0].params["previous_km"] == 80_000


def test_implausible_odometer_sends_to_review():
    d = wp.evaluate(POLICY, facts(evaluation_date=DELIVERED + timedelta(days=9), odometer_km=50_000))
    assert (d.outcome, codes(d)) == (wp.REVIEW, ["odometer_implausible"])


def test_a_definite_no_wins_over_uncertainty_and_keeps_all_reasons():
    d = wp.evaluate(POLICY, facts(evaluation_date=date(2027, 1, 1), evidence_provided=frozenset()))
    assert d.outcome == wp.NO_ELIGIBLE
    assert codes(d) == ["time_exceeded", "evidence_missing"]


def test_unknown_vehicle_and_fault_go_to_review():
    d = wp.evaluate(POLICY, facts(vehicle_known=False, fault_code=None, fault_system=None,
                                  delivery_date=None, odometer_km=None))
    assert d.outcome == wp.REVIEW
    assert codes(d) == ["vehicle_unknown", "fault_unknown", "delivery_date_unknown", "odometer_missing"]


def test_fault_forced_to_a_coverage_code():
    d = wp.evaluate(POLICY, facts(fault_code="XYZ-1", fault_system="other", fault_coverage_code="powertrain",
                                  evaluation_date=date(2027, 1, 1)))
    assert (d.outcome, d.coverage_code) == (wp.ELIGIBLE, "powertrain")


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2023, 11, 30), 3, date(2024, 2, 29)),
        (date(2023, 3, 15), 36, date(2026, 3, 15)),
        (date(2020, 2, 29), 12, date(2021, 2, 28)),
    ],
)
def test_add_months_clamps_to_month_end(start, months, expected):
    assert wp.add_months(start, months) == expected


def test_inputs_are_json_ready_and_complete():
    import json

    d = wp.evaluate(POLICY, facts(odometer_history=(wp.OdometerReading(date(2024, 1, 1), 10_000),)))
    again = json.loads(json.dumps(d.inputs))
    assert again["delivery_date"] == "2023-03-15"
    assert again["odometer_history"] == [{"date": "2024-01-01", "km": 10000}]
    assert again["evidence_required"] == ["odometer_photo"]


def test_an_unverified_owner_always_goes_to_review_first_and_keeps_every_reason():
    """Identity rule (issue 11 item 3): no decision about a vehicle is made for a number its owner never gave."""
    covered = wp.evaluate(POLICY, facts(owner_verified=False))
    assert (covered.outcome, codes(covered)) == (wp.REVIEW, ["owner_unverified", "covered"])
    assert covered.inputs["owner_verified"] is False
    expired = wp.evaluate(POLICY, facts(owner_verified=False, evaluation_date=date(2027, 1, 1)))
    assert (expired.outcome, codes(expired)) == (wp.REVIEW, ["owner_unverified", "time_exceeded"])
    assert "dueño" in expired.reasons[0].message
    assert wp.evaluate(POLICY, facts()).inputs["owner_verified"] is True
LABELS = wp.Labels(
    evidence={"odometer_photo": "Foto del odómetro", "noise_video": "Video del ruido"},
    systems={"hybrid": "Sistema híbrido", "electrical": "Eléctrico"},
)


def test_contradictory_powertrain_goes_to_review_with_a_readable_reason():
    hybrid_fault = {"fault_code": "HYB-001", "fault_system": "hybrid"}
    d = wp.evaluate(POLICY, facts(powertrain="gasoline", **hybrid_fault), LABELS)
    assert (d.outcome, codes(d)) == (wp.REVIEW, ["powertrain_mismatch"])
    assert "Sistema híbrido" in d.reasons[0].message and "sistema hybrid" not in d.reasons[0].message
    unknown = wp.evaluate(POLICY, facts(powertrain=None, **hybrid_fault), LABELS)
    assert (unknown.outcome, codes(unknown)) == (wp.REVIEW, ["powertrain_mismatch"])
    # The model catalogue says hybrid, the vehicle record says gasoline: review, whatever the fault.
    clash = wp.evaluate(POLICY, facts(powertrain="gasoline", model_powertrain="hybrid"), LABELS)
    assert (clash.outcome, codes(clash)) == (wp.REVIEW, ["powertrain_contradiction"])
    # Known from the catalogue only: used as the powertrain.
    from_model = wp.evaluate(POLICY, facts(powertrain=None, model_powertrain="hybrid", odometer_km=50_000,
                                           evaluation_date=date(2029, 1, 10), **hybrid_fault), LABELS)
    assert (from_model.outcome, from_model.coverage_code) == (wp.ELIGIBLE, "hybrid")


def test_reasons_name_evidence_systems_and_dates_for_mexico():
    missing = wp.evaluate(POLICY, facts(evidence_required=frozenset({"odometer_photo", "noise_video"}),
                                        evidence_provided=frozenset()), LABELS)
    assert missing.reasons[0].message == "Falta evidencia: Video del ruido, Foto del odómetro."
    assert missing.reasons[0].params == {"missing": ["noise_video", "odometer_photo"]}
    covered = wp.evaluate(POLICY, facts(), LABELS)
    assert "15/03/2026" in covered.reasons[0].message and "2026-03-15" not in covered.reasons[0].message
    late = wp.evaluate(POLICY, facts(evaluation_date=date(2026, 3, 16)), LABELS)
    assert "venció el 15/03/2026" in late.reasons[0].message
    assert late.reasons[0].params["expired_on"] == "2026-03-15"  # machine-readable stays ISO
    not_covered = wp.evaluate(POLICY, facts(fault_code="X-1", fault_system="infotainment"),
                              wp.Labels(systems={"infotainment": "Entretenimiento"}))
    assert codes(not_covered) == ["not_covered"]
    assert "(Entretenimiento)" in not_covered.reasons[0].message and "infotainment" not in not_covered.summary


def test_same_inputs_compare_equal_whatever_the_day_and_order():
    first = wp.evaluate(POLICY, facts(evidence_required=frozenset({"a", "b"}), evidence_provided=frozenset({"b", "a"})))
    later = wp.evaluate(POLICY, facts(evaluation_date=date(2024, 6, 2), evidence_required=frozenset({"b", "a"}),
                                      evidence_provided=frozenset({"a", "b"})))
    assert wp.same_inputs(first.inputs, later.inputs)
    assert not wp.same_inputs(first.inputs, wp.evaluate(POLICY, facts(odometer_km=20_001)).inputs)
    assert not wp.same_inputs(None, first.inputs)
