from dateutil.relativedelta import relativedelta

from odoo.tests import tagged

from .common import PostventaCommon, make_vin

PROFILES = [(6, "gasoline"), (40, "gasoline"), (70, "hybrid"), (None, "gasoline"), (20, "hybrid")]


@tagged("post_install", "-at_install")
class TestBatchEvaluation(PostventaCommon):
    def _cases(self, count, serial_base):
        """``count`` cases, each on its own vehicle, cycling through ages, powertrains, faults and km."""
        faults = [self.fault_electrical, self.fault_engine, self.fault_hybrid, self.fault_wear]
        vehicles = self.env["postventa.vehicle"].create([
            {
                "vin": make_vin(serial_base + i),
                "model_name": "RAV4",
                "powertrain": PROFILES[i % 5][1],
                "delivery_date": self.today - relativedelta(months=PROFILES[i % 5][0]) if PROFILES[i % 5][0] else False,
            }
            for i in range(count)
        ])
        cases = self.env["postventa.case"].create([
            {
                "partner_id": self.partner.id,
                "vehicle_id": vehicle.id,
                "fault_id": faults[(i // 5) % 4].id,
                "odometer_km": 1_000 + (i * 7_919) % 170_000,
            }
            for i, vehicle in enumerate(vehicles)
        ])
        cases.action_mark_evidence_provided()
        return cases

    def test_thousand_cases_in_one_call_match_one_by_one(self):
        cases = self._cases(1000, 500_000)
        queries_before = self.cr.sql_log_count
        cases.action_evaluate_warranty()
        queries = self.cr.sql_log_count - queries_before
        self.assertEqual(len(cases.decision_id), 1000)
        self.assertFalse(cases.filtered(lambda c: c.warranty_status == "pending"))
        self.assertEqual(set(cases.mapped("warranty_status")), {"eligible", "review", "no_eligible"})
        eligible = cases.filtered(lambda c: c.warranty_status == "eligible")
        self.assertEqual(len(eligible.ticket_id), len(eligible))
        decided = self.env["postventa.event"].search_count(
            [("event_type", "=", "warranty.decided"), ("res_model", "=", "postventa.case"), ("res_id", "in", cases.ids)]
        )
        self.assertEqual(decided, 1000)
        # The same cases evaluated one call each reach the same outcome for the same reasons.
        twins = self._cases(100, 600_000)
        for twin in twins:
            twin.action_evaluate_warranty()
        self.assertEqual(
            [(c.warranty_status, c.decision_id.reason_codes) for c in twins],
            [(c.warranty_status, c.decision_id.reason_codes) for c in cases[:100]],
        )
        # batch-safe: queries do not grow one (or more) per case
        self.assertLess(queries, 1000, f"{queries} queries for 1000 cases")
