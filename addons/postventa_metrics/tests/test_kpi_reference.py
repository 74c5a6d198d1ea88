"""The reference dataset: every number below was computed by hand (see the comments), the addon must
return exactly those. P = [today-20, today-11], both days included (10 days), UTC unless said."""

from odoo.tests import tagged

from .common import MetricsCommon


@tagged("post_install", "-at_install")
class TestKpiReference(MetricsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        A, B = cls.company_a, cls.company_b
        cls.p_from, cls.p_to = cls.day(20), cls.day(11)

        # --- attach rate (company A) -------------------------------------------------------------
        # A1 Corolla: no_eligible at -15, confirmed sale            -> numerator and denominator
        # A2 Corolla: no_eligible at -14, confirmed + cancelled quote -> numerator and denominator (once)
        # A3 Hilux:   no_eligible at -13, only a cancelled quote     -> denominator
        # A4 Hilux:   no_eligible at -12, a draft quote              -> denominator
        # A5: no_eligible at -16 then eligible at -13 (latest)       -> out (latest decision is not no_eligible)
        # A6: no_eligible at -25 (before P), confirmed sale          -> out
        # A7: no_eligible at -5 (after P)                            -> out
        # attach rate = 2 / 4 = 0.5
        a1 = cls._metrics_case(A, cls.at(22, 9))
        cls._decide(a1, "no_eligible", cls.at(15, 10))
        cls._quote(a1, "sale")
        a2 = cls._metrics_case(A, cls.at(22, 9))
        cls._decide(a2, "no_eligible", cls.at(14, 10))
        cls._quote(a2, "sale")
        cls._quote(a2, "cancel")
        a3 = cls._metrics_case(A, cls.at(22, 9), model_name="Hilux")
        cls._decide(a3, "no_eligible", cls.at(13, 10))
        cls._quote(a3, "cancel")
        a4 = cls._metrics_case(A, cls.at(22, 9), model_name="Hilux")
        cls._decide(a4, "no_eligible", cls.at(12, 10))
        cls._quote(a4, "draft")
        a5 = cls._metrics_case(A, cls.at(22, 9))
        cls._decide(a5, "no_eligible", cls.at(16, 10))
        cls._decide(a5, "eligible", cls.at(13, 11))
        cls._quote(a5, "sale")
        a6 = cls._metrics_case(A, cls.at(30, 9))
        cls._decide(a6, "no_eligible", cls.at(25, 10))
        cls._quote(a6, "sale")
        a7 = cls._metrics_case(A, cls.at(8, 9))
        cls._decide(a7, "no_eligible", cls.at(5, 10))

        # --- resolution time (company A): hours from creation to done, cases done in P ----------
        # R1: -19 08:00 -> -18 08:00 = 24 h
        # R2: -25 12:00 -> -15 12:00 = 240 h (created before P: only the closing date counts)
        # R3 reopened: closed, reset, closed again; last close -12 16:00: -19 10:00 -> -12 16:00 = 174 h
        # R4: -14 09:00 -> -13 15:00 = 30 h
        # R5 reopened and still open (its stale date_done at -16 stays)   -> out
        # R6 closed at -16, then cancelled                                 -> out
        # R7 closed at -5 (after P)                                        -> out
        # R8 -12 09:00 -> (today-10) 03:00 UTC = 42 h: out in UTC; in Mexico City it closed at -11 21:00 -> in
        # UTC: [24, 30, 174, 240]: count 4, mean 468/4 = 117, median (30+174)/2 = 102,
        #      p90 (linear, position 0.9*3 = 2.7) = 174 + 0.7*(240-174) = 220.2
        cls.r1 = cls._metrics_case(A, cls.at(19, 8))
        cls._close(cls.r1, cls.at(18, 8))
        r2 = cls._metrics_case(A, cls.at(25, 12))
        cls._close(r2, cls.at(15, 12))
        cls.r3 = cls._metrics_case(A, cls.at(19, 10))
        cls.r3.action_done()
        cls.r3.action_cancel()  # reopened: a closed case goes back to new through cancel -> reset
        cls.r3.action_reset()
        cls._close(cls.r3, cls.at(12, 16))
        r4 = cls._metrics_case(A, cls.at(14, 9))
        cls._close(r4, cls.at(13, 15))
        cls.r5 = cls._metrics_case(A, cls.at(19, 9))
        cls._close(cls.r5, cls.at(16, 12))
        cls.r5.action_cancel()
        cls.r5.action_reset()
        r6 = cls._metrics_case(A, cls.at(19, 9))
        cls._close(r6, cls.at(16, 12))
        r6.action_cancel()
        r7 = cls._metrics_case(A, cls.at(9, 9))
        cls._close(r7, cls.at(5, 12))
        r8 = cls._metrics_case(A, cls.at(12, 9))
        cls._close(r8, cls.at(10, 3))

        # --- warranty cost (company A): tickets opened in P -------------------------------------
        # T1 at -17: parts 2 x 1,500.00 = 3,000.00; labor 1.5 h x 700 = 1,050.00
        # T2 at -11 (last day, included): parts 1 x 899.98; labor 2 h x 700 = 1,400.00
        # T3 at -21 (day before P) and T4 at -10 09:00 (day after): out
        # tickets 2, parts 3,899.98, labor 2,450.00, total 6,349.98, per ticket 3,174.99
        cls._ticket(cls.r1, cls.at(17), parts=[(2, 1500.0)], labor=[(1.5, 700.0)])
        cls._ticket(a3, cls.at(11), parts=[(1, 899.98)], labor=[(2, 700.0)])
        cls._ticket(a4, cls.at(21), parts=[(1, 5000.0)])
        cls._ticket(r4, cls.at(10, 9), parts=[(1, 7000.0)])

        # --- stock rotation (company A): spare parts only ----------------------------------------
        # P1 (supplier S1): in 100 at -30; out 30 at -15; stock -> shelf 20 at -14 (internal: no effect);
        #                   out 10 at -5 (after P)
        # P2 (supplier S2): in 40 at -25; out 10 at -12; customer return 5 at -11 (on hand +5, not "out")
        # N (not a part):   in 50 at -25, out 50 at -15 -> ignored
        # on hand at start of P = 100 + 40 = 140; at end = (100 - 30) + (40 - 10 + 5) = 105
        # units out = 30 + 10 = 40; average on hand = (140 + 105) / 2 = 122.5
        # turnover = 40 / 122.5 = 0.326530... -> 0.3265; days of inventory = 10 / (40 / 122.5) = 30.625
        cls.supplier_1 = cls.env["res.partner"].create({"name": "Refacciones Uno", "is_company": True})
        cls.supplier_2 = cls.env["res.partner"].create({"name": "Refacciones Dos", "is_company": True})
        cls.p1 = cls._part("Balata métricas", supplier=cls.supplier_1)
        cls.p2 = cls._part("Filtro métricas", supplier=cls.supplier_2)
        cls.not_part = cls._part("Tapete métricas", is_part=False)
        supplier_loc = cls.env.ref("stock.stock_location_suppliers")
        customer_loc = cls.env.ref("stock.stock_location_customers")
        stock_a = cls.env["stock.warehouse"].search([("company_id", "=", A.id)], limit=1).lot_stock_id
        shelf_a = cls.env["stock.location"].create({"name": "Anaquel", "location_id": stock_a.id,
                                                     "usage": "internal", "company_id": A.id})
        cls._move(A, cls.p1, supplier_loc, stock_a, 100, cls.at(30))
        cls._move(A, cls.p1, stock_a, customer_loc, 30, cls.at(15))
        cls._move(A, cls.p1, stock_a, shelf_a, 20, cls.at(14))
        cls._move(A, cls.p1, stock_a, customer_loc, 10, cls.at(5))
        cls._move(A, cls.p2, supplier_loc, stock_a, 40, cls.at(25))
        cls._move(A, cls.p2, stock_a, customer_loc, 10, cls.at(12))
        cls._move(A, cls.p2, customer_loc, stock_a, 5, cls.at(11))
        cls._move(A, cls.not_part, supplier_loc, stock_a, 50, cls.at(25))
        cls._move(A, cls.not_part, stock_a, customer_loc, 50, cls.at(15))

        # --- company B, all in P (must never leak into A) -----------------------------------------
        # attach 1/1; one case done in 36 h; one ticket 100 + 200; part P1: in 10 at -30, out 4 at -15
        # -> B: units out 4, on hand 10 -> 6, average 8, turnover 0.5, days of inventory 10 / 0.5 = 20
        b1 = cls._metrics_case(B, cls.at(20, 9))
        cls._decide(b1, "no_eligible", cls.at(15, 10))
        cls._quote(b1, "sale")
        b2 = cls._metrics_case(B, cls.at(19, 8))
        cls._close(b2, cls.at(18, 20))
        cls._ticket(b2, cls.at(15), parts=[(1, 100.0)], labor=[(1, 200.0)])
        stock_b = cls.env["stock.warehouse"].search([("company_id", "=", B.id)], limit=1).lot_stock_id
        cls._move(B, cls.p1, supplier_loc, stock_b, 10, cls.at(30))
        cls._move(B, cls.p1, stock_b, customer_loc, 4, cls.at(15))

    def test_reference_period_company_a(self):
        self.assertEqual(self.kpis(self.kpi_manager, self.p_from, self.p_to), {
            "period": {"from": self.p_from, "to": self.p_to},
            "currency": "MXN",
            "attach_rate": {"value": 0.5, "numerator": 2, "denominator": 4},
            "resolution_hours": {"count": 4, "mean": 117.0, "median": 102.0, "p90": 220.2},
            "stock_rotation": {"units_out": 40.0, "avg_on_hand": 122.5, "turnover": 0.3265,
                               "days_of_inventory": 30.625},
            "warranty_cost": {"tickets": 2, "parts": 3899.98, "labor": 2450.0, "total": 6349.98,
                              "per_ticket": 3174.99},
        })

    def test_integration_user_gets_the_same_numbers(self):
        self.assertEqual(self.kpis(self.kpi_integration, self.p_from, self.p_to),
                         self.kpis(self.kpi_manager, self.p_from, self.p_to))

    def test_days_are_the_callers_time_zone(self):
        # Mexico City (UTC-6): R8 closed at -11 21:00 local -> in P; every other stamp keeps its day.
        # [24, 30, 42, 174, 240]: mean 510/5 = 102, median 42, p90 position 3.6 -> 174 + 0.6*66 = 213.6
        result = self.kpis(self.kpi_manager, self.p_from, self.p_to, tz="America/Mexico_City")
        self.assertEqual(result["resolution_hours"], {"count": 5, "mean": 102.0, "median": 42.0, "p90": 213.6})
        self.assertEqual(result["attach_rate"]["denominator"], 4)
        self.assertEqual(result["warranty_cost"]["tickets"], 2)
        self.assertEqual(result["stock_rotation"]["units_out"], 40.0)

    def test_empty_period_and_zero_stock_are_null_not_errors(self):
        # Nothing happened between -60 and -50 and nothing was on hand: every ratio is null ("n/a").
        self.assertEqual(self.kpis(self.kpi_manager, self.day(60), self.day(50)), {
            "period": {"from": self.day(60), "to": self.day(50)},
            "currency": "MXN",
            "attach_rate": {"value": None, "numerator": 0, "denominator": 0},
            "resolution_hours": {"count": 0, "mean": None, "median": None, "p90": None},
            "stock_rotation": {"units_out": 0.0, "avg_on_hand": 0.0, "turnover": None, "days_of_inventory": None},
            "warranty_cost": {"tickets": 0, "parts": 0.0, "labor": 0.0, "total": 0.0, "per_ticket": None},
        })

    def test_stock_on_hand_but_nothing_out(self):
        # Days -29 .. -26: P1 100 on hand the whole time (its in at -30), nothing out:
        # turnover 0 / 100 = 0.0; days of inventory n/a (infinite), never a division error.
        stock = self.kpis(self.kpi_manager, self.day(29), self.day(26))["stock_rotation"]
        self.assertEqual(stock, {"units_out": 0.0, "avg_on_hand": 100.0, "turnover": 0.0, "days_of_inventory": None})

    def test_reopened_case_counts_once_at_its_last_closing(self):
        # R3's first closing (today) is gone; its last one is -12 16:00: 174 h, counted once.
        self.assertEqual(self.r3.state, "done")
        self.assertNotIn(self.r5.state, ("done", "cancelled"))
        # Only R3 was closed on day -12 (in UTC): a one-day period holds exactly it.
        self.assertEqual(self.kpis(self.kpi_manager, self.day(12), self.day(12))["resolution_hours"],
                         {"count": 1, "mean": 174.0, "median": 174.0, "p90": 174.0})
        # R5 (reopened, open now) and R6 (cancelled) were closed on day -16: neither counts.
        self.assertEqual(self.kpis(self.kpi_manager, self.day(16), self.day(16))["resolution_hours"]["count"], 0)

    def test_cancelled_quote_is_not_a_sale(self):
        # Day -13 holds only A3 (no_eligible, its one quote cancelled): 0 of 1.
        self.assertEqual(self.kpis(self.kpi_manager, self.day(13), self.day(13))["attach_rate"],
                         {"value": 0.0, "numerator": 0, "denominator": 1})

    def test_multi_company_isolation(self):
        # A manager of both companies asking for B gets B's own numbers and nothing of A's.
        self.assertEqual(self.kpis(self.kpi_manager_both, self.p_from, self.p_to, company=self.company_b), {
            "period": {"from": self.p_from, "to": self.p_to},
            "currency": "MXN",
            "attach_rate": {"value": 1.0, "numerator": 1, "denominator": 1},
            "resolution_hours": {"count": 1, "mean": 36.0, "median": 36.0, "p90": 36.0},
            "stock_rotation": {"units_out": 4.0, "avg_on_hand": 8.0, "turnover": 0.5, "days_of_inventory": 20.0},
            "warranty_cost": {"tickets": 1, "parts": 100.0, "labor": 200.0, "total": 300.0, "per_ticket": 300.0},
        })
        # ...and A stays A whoever asks.
        self.assertEqual(self.kpis(self.kpi_manager_both, self.p_from, self.p_to, company=self.company_a),
                         self.kpis(self.kpi_manager, self.p_from, self.p_to))

    # --- the analysis views agree with compute_kpis --------------------------------------------
    def _in_p(self):
        return [("date", ">=", self.at(20, 0)), ("date", "<", self.at(10, 0))]

    def test_attach_report_slices_by_vehicle_model(self):
        Report = self.env["postventa.kpi.attach.report"].with_user(self.kpi_manager)
        groups = Report._read_group(self._in_p(), ["vehicle_model"], ["attach_rate:avg", "__count"])
        rows = {model: (rate, count) for model, rate, count in groups}
        # Corolla: A1 and A2 sold -> 100 %; Hilux: A3 and A4 did not -> 0 %
        self.assertEqual(rows, {"Corolla": (100.0, 2), "Hilux": (0.0, 2)})
        self.assertFalse(Report.search([("company_id", "=", self.company_b.id)]), "company B rows leaked")

    def test_resolution_and_warranty_reports_match(self):
        resolution = self.env["postventa.kpi.resolution.report"].with_user(self.kpi_manager)
        [(mean, count)] = resolution._read_group(self._in_p(), [], ["resolution_hours:avg", "__count"])
        self.assertEqual((round(mean, 4), count), (117.0, 4))
        warranty = self.env["postventa.kpi.warranty.report"].with_user(self.kpi_manager)
        [(parts, labor, total, count)] = warranty._read_group(
            self._in_p(), [], ["parts_cost:sum", "labor_cost:sum", "total_cost:sum", "__count"]
        )
        self.assertEqual((round(parts, 2), round(labor, 2), round(total, 2), count), (3899.98, 2450.0, 6349.98, 2))

    def test_stock_report_by_supplier(self):
        report = self.env["postventa.kpi.stock.report"].with_user(self.kpi_manager)
        rows = dict(report._read_group([], ["supplier_id"], ["units_out:sum"]))
        # All months: S1's P1 went out 30 + 10 = 40 (A only); S2's P2 10; the non-part never shows.
        self.assertEqual(rows, {self.supplier_1: 40.0, self.supplier_2: 10.0})
        self.assertFalse(report.search([("product_id", "=", self.not_part.id)]))

    def test_landing_cards(self):
        cards = self.env["postventa.kpi.card"].with_user(self.kpi_manager).search([])
        self.assertEqual(cards.mapped("code"), ["attach_rate", "resolution_hours", "stock_rotation", "warranty_cost"])
        month_start = self.today.replace(day=1).isoformat()
        current = self.kpis(self.kpi_manager, month_start, self.today.isoformat(), tz=self.kpi_manager.tz)
        cost = cards.filtered(lambda c: c.code == "warranty_cost")
        self.assertEqual(cost.current_value, current["warranty_cost"]["total"])
        self.assertTrue(all(cards.mapped("current_display")) and all(cards.mapped("previous_display")))
