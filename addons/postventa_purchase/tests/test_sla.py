"""Unit tests of the pure SLA engine and part-number helpers (no database).

Runs three ways: by Odoo's test runner (``--test-tags /postventa_purchase``), by plain unittest
(``python3 addons/postventa_purchase/tests/test_sla.py`` or
``python3 -m unittest discover -s addons/postventa_purchase/tests -p test_sla.py``) and from the repository's pytest
(``tests/test_sla_engine.py`` loads this file by path).
"""

import importlib.util
import pathlib
import sys
import unittest
from datetime import date

try:  # under Odoo: a BaseCase (no database needed) so the runner picks it up
    from odoo.tests import BaseCase, tagged
except ImportError:  # plain Python
    BaseCase = unittest.TestCase

    def tagged(*_tags):
        return lambda cls: cls


def _load(name):
    path = pathlib.Path(__file__).resolve().parent.parent / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"postventa_purchase_pure_{name}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


sla = _load("sla")
partnumbers = _load("partnumbers")

TODAY = date(2026, 11, 26)


def offer(offer_id, name, price, lead, **kw):
    kw.setdefault("reliability", 0.9)
    kw.setdefault("stock", 10)
    return sla.Offer(offer_id=offer_id, supplier_id=offer_id, supplier_name=name, price=price, lead_days=lead, **kw)


@tagged("post_install", "-at_install")
class TestSlaEngine(BaseCase):
    def test_filters_offers_that_arrive_late(self):
        offers = [offer(1, "Barato Lento", 100, 9), offer(2, "Caro Rapido", 180, 1)]
        choice = sla.choose_supplier(offers, 1, date(2026, 11, 29), TODAY)
        self.assertEqual(choice.offer.supplier_name, "Caro Rapido")
        self.assertTrue(choice.sla_ok)
        self.assertEqual(choice.reason_code, "only_in_time")
        self.assertIn("1 of 2 offers in time", choice.reason)

    def test_cheapest_wins_when_all_in_time(self):
        offers = [offer(1, "A", 180, 1), offer(2, "B", 100, 3), offer(3, "C", 120, 2)]
        choice = sla.choose_supplier(offers, 1, date(2026, 12, 10), TODAY)
        self.assertEqual(choice.offer.supplier_name, "B")
        self.assertEqual(choice.reason_code, "best_in_time")
        self.assertEqual([e.offer.supplier_name for e in choice.ranking], ["B", "C", "A"])

    def test_reliability_and_stock_can_outweigh_a_small_price_gap(self):
        cheap_flaky = offer(1, "Flaky", 100, 2, reliability=0.5, stock=1)
        dearer_solid = offer(2, "Solid", 104, 2, reliability=0.98, stock=20)
        choice = sla.choose_supplier([cheap_flaky, dearer_solid], 2, date(2026, 12, 20), TODAY)
        # Flaky cannot cover 2 units: it arrives after the backorder delay and scores lower on stock.
        self.assertEqual(choice.offer.supplier_name, "Solid")
        flaky = next(e for e in choice.ranking if e.offer.supplier_name == "Flaky")
        self.assertFalse(flaky.stock_ok)
        self.assertEqual((flaky.eta - TODAY).days, 2 + sla.Weights().backorder_days)

    def test_tie_broken_by_arrival_then_cost_then_name(self):
        a = offer(1, "Zeta", 100, 2)
        b = offer(2, "alfa", 100, 2)
        c = offer(3, "Beta", 100, 1)
        choice = sla.choose_supplier([a, b], 1, date(2026, 12, 5), TODAY)
        self.assertEqual(choice.offer.supplier_name, "alfa")  # same everything: name, case-insensitive
        self.assertTrue(choice.details["tie"])
        self.assertIn("tie with Zeta", choice.reason)
        choice = sla.choose_supplier([a, b, c], 1, date(2026, 12, 5), TODAY)
        self.assertEqual(choice.offer.supplier_name, "Beta")  # same score, earlier arrival
        # Deterministic whatever the input order.
        for order in ([c, b, a], [b, c, a], [a, c, b]):
            self.assertEqual(sla.choose_supplier(order, 1, date(2026, 12, 5), TODAY).offer.offer_id, 3)

    def test_identical_offers_fall_back_to_offer_id(self):
        a = offer(7, "Same", 100, 2)
        b = offer(5, "Same", 100, 2)
        self.assertEqual(sla.choose_supplier([a, b], 1, date(2026, 12, 5), TODAY).offer.offer_id, 5)

    def test_no_offer_in_time_falls_back_to_earliest_with_reason(self):
        offers = [offer(1, "Lento", 90, 12), offer(2, "Menos lento", 150, 6)]
        choice = sla.choose_supplier(offers, 1, date(2026, 11, 28), TODAY)
        self.assertEqual(choice.offer.supplier_name, "Menos lento")
        self.assertFalse(choice.sla_ok)
        self.assertEqual(choice.reason_code, "late_fallback")
        self.assertEqual(choice.details["days_late"], 4)
        self.assertIn("no offer arrives by 2026-11-28", choice.reason)

    def test_no_offers_at_all(self):
        choice = sla.choose_supplier([], 1, date(2026, 11, 28), TODAY)
        self.assertIsNone(choice.offer)
        self.assertEqual(choice.reason_code, "no_offers")
        self.assertEqual(choice.as_dict()["supplier"], None)

    def test_validity_window(self):
        expired = offer(1, "Vencida", 50, 1, valid_until=date(2026, 11, 1))
        future = offer(2, "Futura", 50, 1, valid_from=date(2026, 12, 1))
        current = offer(3, "Vigente", 80, 1, valid_from=date(2026, 11, 1), valid_until=date(2026, 11, 26))
        choice = sla.choose_supplier([expired, future, current], 1, date(2026, 12, 1), TODAY)
        self.assertEqual(choice.offer.supplier_name, "Vigente")
        self.assertEqual(choice.details["excluded"], ["expired", "not_yet_valid"])
        choice = sla.choose_supplier([expired, future], 1, date(2026, 12, 1), TODAY)
        self.assertEqual(choice.reason_code, "no_offers")
        self.assertIn("expired", choice.reason)

    def test_currency_conversion_and_missing_rate(self):
        usd = offer(1, "Importadora", 6, 2, currency="USD")  # 6 USD x 18 = 108 MXN
        mxn = offer(2, "Nacional", 110, 2)
        choice = sla.choose_supplier([usd, mxn], 1, date(2026, 12, 5), TODAY, rates={"USD": 18.0})
        self.assertEqual(choice.offer.supplier_name, "Importadora")
        self.assertAlmostEqual(choice.evaluation.cost, 108.0)
        choice = sla.choose_supplier([usd, mxn], 1, date(2026, 12, 5), TODAY, rates={"USD": 19.0})
        self.assertEqual(choice.offer.supplier_name, "Nacional")  # 114 MXN now
        choice = sla.choose_supplier([usd, mxn], 1, date(2026, 12, 5), TODAY, rates={})
        self.assertEqual(choice.offer.supplier_name, "Nacional")
        self.assertIn("no_rate", choice.details["excluded"])

    def test_minimum_quantity_counts_in_cost(self):
        bulk = offer(1, "Mayoreo", 60, 2, min_qty=4)  # must buy 4 -> 240
        unit = offer(2, "Menudeo", 100, 2)
        choice = sla.choose_supplier([bulk, unit], 1, date(2026, 12, 5), TODAY)
        self.assertEqual(choice.offer.supplier_name, "Menudeo")
        self.assertEqual(choice.ranking[1].order_qty, 4)

    def test_promised_date_per_severity(self):
        self.assertEqual(sla.promised_date(TODAY, "critical"), date(2026, 11, 28))
        self.assertEqual(sla.promised_date(TODAY, "low"), date(2026, 12, 6))
        self.assertEqual(sla.promised_date(TODAY, "high", {"high": 1}), date(2026, 11, 27))
        self.assertEqual(sla.promised_date(TODAY, None), date(2026, 12, 1))

    def test_choice_serializes(self):
        choice = sla.choose_supplier([offer(1, "A", 100, 1)], 1, date(2026, 12, 5), TODAY)
        data = choice.as_dict()
        self.assertEqual(data["supplier"], "A")
        self.assertEqual(data["eta"], "2026-11-27")
        self.assertEqual(data["promised_date"], "2026-12-05")
        self.assertTrue(data["sla_ok"])


@tagged("post_install", "-at_install")
class TestPartNumbers(BaseCase):
    def test_normalize(self):
        for raw in ("04465-02220", "0446502220", "04465 02220", " 04465.02220 ", "04465-02220\n"):
            self.assertEqual(partnumbers.normalize(raw), "0446502220")
        self.assertEqual(partnumbers.normalize("90915-yzzd1"), "90915YZZD1")
        self.assertEqual(partnumbers.normalize("0 986 424 797"), "0986424797")
        self.assertEqual(partnumbers.normalize(None), "")

    def test_format_toyota(self):
        self.assertEqual(partnumbers.format_toyota("0446502220"), "04465-02220")
        self.assertEqual(partnumbers.format_toyota("90915yzzd1"), "90915-YZZD1")
        self.assertEqual(partnumbers.format_toyota("D1210-8324"), "D1210-8324")

    def test_closure_is_transitive_and_undirected(self):
        edges = [("A", "B"), ("B", "C"), ("X", "Y")]
        calls = []

        def neighbours(frontier):
            calls.append(set(frontier))
            return [e for e in edges if e[0] in frontier or e[1] in frontier]

        self.assertEqual(partnumbers.closure(["c"], neighbours), {"A", "B", "C"})
        self.assertEqual(partnumbers.closure(["Y"], neighbours), {"X", "Y"})
        self.assertEqual(partnumbers.closure(["Q"], neighbours), {"Q"})
        self.assertEqual(partnumbers.closure(["A"], neighbours, max_depth=1), {"A", "B"})


if __name__ == "__main__":
    unittest.main()
