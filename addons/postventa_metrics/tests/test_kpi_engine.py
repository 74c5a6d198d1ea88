"""kpi.py without a database: parsing, rounding, n/a."""

from datetime import date, timedelta

from odoo.tests import BaseCase, tagged

from .. import kpi


@tagged("post_install", "-at_install")
class TestKpiEngine(BaseCase):
    def test_period_parsing(self):
        today = date.today()
        self.assertEqual(kpi.parse_period(today.isoformat(), today.isoformat()), (today, today))
        with self.assertRaises(kpi.PeriodError):
            kpi.parse_period(today.isoformat(), (today - timedelta(days=1)).isoformat())
        with self.assertRaises(kpi.PeriodError):
            kpi.parse_period("ayer", today.isoformat())
        with self.assertRaises(kpi.PeriodError):
            kpi.parse_period(today - timedelta(days=kpi.MAX_PERIOD_DAYS), today)

    def test_utc_bounds_follow_the_time_zone(self):
        day = date.today()
        start, end = kpi.utc_bounds(day, day, "America/Mexico_City")
        self.assertEqual((start.hour, (end - start).days), (6, 1))
        start, _end = kpi.utc_bounds(day, day, "Nowhere/Unknown")
        self.assertEqual(start.hour, 0)

    def test_na_instead_of_division_errors(self):
        self.assertIsNone(kpi.ratio(3, 0))
        self.assertEqual(kpi.stock_rotation(0, 0, 0, 30),
                         {"units_out": 0.0, "avg_on_hand": 0.0, "turnover": None, "days_of_inventory": None})
        # Negative book stock (sold before received) is no basis for a turnover either.
        self.assertIsNone(kpi.stock_rotation(5, -10, 0, 30)["turnover"])
        self.assertEqual(kpi.warranty_cost(0, 0, 0, lambda v: round(v, 2))["per_ticket"], None)

    def test_rounding(self):
        self.assertEqual(kpi.attach_rate(1, 3), {"value": 0.3333, "numerator": 1, "denominator": 3})
        self.assertEqual(kpi.stock_rotation(2, 3, 3, 7)["turnover"], 0.6667)
        self.assertEqual(kpi.warranty_cost(3, 100.0, 0.01, lambda v: round(v, 2))["per_ticket"], 33.34)
