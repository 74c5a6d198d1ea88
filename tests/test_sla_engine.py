"""The supplier-by-SLA engine, run from the bridge's pytest without Odoo.

The engine (``addons/postventa_purchase/sla.py``) and the part-number helpers are plain Python; they
are loaded here by path (the addon package itself imports Odoo). The addon's own unit tests are
re-run too, so both test runners exercise the same assertions.
"""

from __future__ import annotations

import importlib.util
import sys
from datetime import date
from pathlib import Path

import pytest

ADDON = Path(__file__).resolve().parent.parent / "addons" / "postventa_purchase"


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


sla = _load(ADDON / "sla.py", "pv_sla_engine")
partnumbers = _load(ADDON / "partnumbers.py", "pv_partnumbers")
_addon_tests = _load(ADDON / "tests" / "test_sla.py", "pv_addon_test_sla")

# The addon's unittest classes, collected by pytest as they are.
TestSlaEngine = _addon_tests.TestSlaEngine
TestPartNumbers = _addon_tests.TestPartNumbers

TODAY = date(2026, 11, 26)


def _offers():
    return [
        sla.Offer(1, 1, "Refaccionaria Express CDMX", 520.0, lead_days=1, stock=4, reliability=0.97),
        sla.Offer(2, 2, "AutoPartes del Bajío", 380.0, lead_days=6, stock=30, reliability=0.86),
        sla.Offer(3, 3, "Importadora Frontera", 21.0, currency="USD", lead_days=4, stock=12, reliability=0.9),
    ]


@pytest.mark.parametrize(
    ("severity", "expected", "sla_ok"),
    [
        ("critical", "Refaccionaria Express CDMX", True),  # 2 days: only the express supplier makes it
        ("medium", "Importadora Frontera", True),  # 5 days: 21 USD x 17.5 = 367.5 MXN, the cheapest in time
        ("low", "Importadora Frontera", True),  # 10 days: everyone in time, still the cheapest
    ],
)
def test_choice_changes_with_severity(severity, expected, sla_ok):
    promised = sla.promised_date(TODAY, severity)
    choice = sla.choose_supplier(_offers(), 1, promised, TODAY, rates={"USD": 17.5})
    assert choice.offer.supplier_name == expected
    assert choice.sla_ok is sla_ok
    assert choice.reason


def test_ranking_is_order_independent():
    offers = _offers()
    first = sla.choose_supplier(offers, 2, sla.promised_date(TODAY, "low"), TODAY, rates={"USD": 17.5})
    again = sla.choose_supplier(list(reversed(offers)), 2, sla.promised_date(TODAY, "low"), TODAY, rates={"USD": 17.5})
    assert [e.offer.offer_id for e in first.ranking] == [e.offer.offer_id for e in again.ranking]
    assert first.reason == again.reason


def test_fallback_reports_days_late():
    promised = date(2026, 11, 26)  # today: nobody can deliver
    choice = sla.choose_supplier(_offers(), 1, promised, TODAY, rates={"USD": 17.5})
    assert choice.reason_code == "late_fallback"
    assert choice.offer.supplier_name == "Refaccionaria Express CDMX"
    assert choice.details["days_late"] == 1


def test_normalized_numbers():
    assert partnumbers.normalize("04465 02220") == partnumbers.normalize("04465-02220") == "0446502220"
