"""Policy what-if replay without a database: inputs round trip, same policy = same outcomes, flips."""

from __future__ import annotations

import importlib
import importlib.util
import random
import sys
from dataclasses import replace
from datetime import date, timedelta

from tests.addon_modules import ADDONS


def _engine_package():
    """addons/postventa/engine as a package (replay.py imports its sibling relatively)."""
    name = "postventa_engine_pkg"
    if name not in sys.modules:
        root = ADDONS / "postventa" / "engine"
        spec = importlib.util.spec_from_file_location(
            name, root / "__init__.py", submodule_search_locations=[str(root)]
        )
        package = importlib.util.module_from_spec(spec)
        sys.modules[name] = package
        spec.loader.exec_module(package)
    return importlib.import_module(f"{name}.warranty_policy"), importlib.import_module(f"{name}.replay")


wp, rp = _engine_package()

TODAY = date.today()
BASIC = wp.Coverage("basic", "Básica", 36, 60_000, systems=frozenset({"electrical", "brakes"}))
POWERTRAIN = wp.Coverage("powertrain", "Tren motriz", 60, 100_000, systems=frozenset({"engine"}))
HYBRID = wp.Coverage(
    "hybrid", "Híbrido", 96, 160_000, systems=frozenset({"hybrid"}), powertrains=frozenset({"hybrid"})
)
POLICY = wp.Policy("2026.1", (BASIC, POWERTRAIN, HYBRID))


def months_ago(months):
    return wp.add_months(TODAY, -months)


def facts(**overrides):
    base = {
        "evaluation_date": TODAY,
        "delivery_date": months_ago(12),
        "powertrain": "gasoline",
        "odometer_km": 20_000,
        "odometer_history": (wp.OdometerReading(TODAY - timedelta(days=200), 9_000),),
        "fault_code": "ELE-001",
        "fault_system": "electrical",
        "evidence_required": frozenset({"odometer_photo"}),
        "evidence_provided": frozenset({"odometer_photo"}),
    }
    base.update(overrides)
    return wp.CaseFacts(**base)


def stored(case_id, case_facts, policy=POLICY):
    decision = wp.evaluate(policy, case_facts)
    return rp.StoredDecision(case_id, decision.outcome, decision.inputs)


def random_facts(rng):
    system, code = rng.choice([("electrical", "ELE-001"), ("brakes", "BRK-001"), ("engine", "ENG-001"),
                               ("hybrid", "HYB-001"), ("paint", "PNT-001"), (None, None)])
    delivered = TODAY - timedelta(days=rng.randint(0, 3000)) if rng.random() > 0.05 else None
    km = rng.choice([None, rng.randint(1, 200_000)])
    history = tuple(sorted(  # stored inputs list the history by date
        (wp.OdometerReading(TODAY - timedelta(days=rng.randint(1, 900)), rng.randint(1, 150_000))
         for _ in range(rng.randint(0, 3))),
        key=lambda r: r.date,
    ))
    return facts(
        vehicle_known=rng.random() > 0.05, delivery_date=delivered, odometer_km=km, odometer_history=history,
        powertrain=rng.choice(["gasoline", "hybrid", None]), fault_code=code, fault_system=system,
        fault_is_wear_item=rng.random() < 0.1, fault_coverage_code=rng.choice([None, None, "powertrain"]),
        evidence_provided=rng.choice([frozenset(), frozenset({"odometer_photo"})]),
    )


def test_inputs_round_trip_is_exact():
    rng = random.Random(16)
    for _ in range(2_000):
        case_facts = random_facts(rng)
        assert rp.facts_from_inputs(case_facts.as_inputs()) == case_facts
        assert rp.facts_from_inputs(case_facts.as_inputs()).as_inputs() == case_facts.as_inputs()


def test_inputs_with_an_extra_key_and_a_datetime_still_replay():
    case_facts = facts()
    inputs = dict(case_facts.as_inputs(), evaluation_tz="America/Mexico_City")
    inputs["evaluation_date"] = f"{TODAY.isoformat()}T23:30:00-06:00"  # a tz-aware stamp: its local date counts
    assert rp.facts_from_inputs(inputs) == case_facts


def test_replay_under_the_same_policy_reproduces_every_outcome():
    rng = random.Random(7)
    rows = [stored(i, random_facts(rng)) for i in range(5_000)]
    assert {row.outcome for row in rows} == set(wp.OUTCOMES)  # the sample covers every outcome
    summary = rp.summarize(rp.replay(POLICY, rows))
    assert summary == {"cases": 5_000, "unchanged": 5_000, "flips": {}, "flipped_case_ids": [], "cost_impact": 0}


def test_a_changed_policy_flips_exactly_the_hand_picked_cases():
    rows = [
        stored(1, facts(delivery_date=months_ago(40), odometer_km=30_000)),  # basic expired by time
        stored(2, facts(delivery_date=months_ago(40), odometer_km=70_000)),  # expired by km too: stays
        stored(3, facts(delivery_date=months_ago(50), odometer_km=30_000)),  # past 48 months: stays
        stored(4, facts(fault_code="BRK-002", fault_system="brakes")),  # becomes a wear item
        stored(5, facts(fault_code="BRK-002", fault_system="brakes", evidence_provided=frozenset())),  # review
        stored(6, facts()),  # eligible, stays
        stored(7, facts(delivery_date=months_ago(40), fault_code="ENG-001", fault_system="engine")),  # powertrain
    ]
    assert [row.outcome for row in rows] == [
        "no_eligible", "no_eligible", "no_eligible", "eligible", "review", "eligible", "eligible"
    ]
    draft = replace(
        POLICY, version="2027.1", coverages=(replace(BASIC, months=48), POWERTRAIN, HYBRID),
        wear_fault_codes=frozenset({"BRK-002"}),
    )
    costs = {1: 5_000.0, 4: 1_200.0, 5: 800.0}

    def cost_of(item):
        sign = 1 if item.decision.outcome == "eligible" else -1 if item.decision.outcome == "no_eligible" else 0
        return sign * costs.get(item.stored.case_id, 0)

    summary = rp.summarize(rp.replay(draft, rows), cost_of)
    assert summary == {
        "cases": 7,
        "unchanged": 4,
        "flips": {"eligible->no_eligible": 1, "no_eligible->eligible": 1, "review->no_eligible": 1},
        "flipped_case_ids": [1, 4, 5],
        "cost_impact": 5_000.0 - 1_200.0 - 800.0,
    }
    by_case = {item.stored.case_id: item.decision for item in rp.replay(draft, rows)}
    assert [r.code for r in by_case[4].reasons] == ["wear_item_excluded"]
    assert by_case[1].coverage_code == "basic" and by_case[1].policy_version == "2027.1"


def test_a_policy_wear_exclusion_behaves_like_the_catalog_flag():
    policy = replace(POLICY, wear_fault_codes=frozenset({"ELE-001"}))
    by_policy = wp.evaluate(policy, facts())
    by_catalog = wp.evaluate(POLICY, facts(fault_is_wear_item=True))
    assert by_policy.outcome == by_catalog.outcome == "no_eligible"
    assert by_policy.reasons == by_catalog.reasons
    assert by_policy.inputs["fault_is_wear_item"] is False  # the inputs stay the case's facts
