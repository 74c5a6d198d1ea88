from odoo import fields
from odoo.tests import new_test_user, tagged

from .common import PostventaPurchaseCommon


@tagged("post_install", "-at_install")
class TestWhatIfQuotes(PostventaPurchaseCommon):
    def test_cases_becoming_eligible_cost_their_quote_totals(self):
        fault = self._create_fault(
            "T-PRT-2", self.sys_brakes, evidence=self.ev_odometer, severity="high",
            part_ids=[fields.Command.set([self.pads.id])],
        )
        case = self._create_case(self._create_vehicle(months_ago=40), fault, km=30_000)
        case.action_evaluate_warranty()
        self.assertEqual(case.warranty_status, "no_eligible")
        quote = case.with_user(self.user)._postventa_create_quotes(preference="best")
        self.assertTrue(quote.amount_total)
        cancelled = case.with_user(self.user)._postventa_create_quotes(preference="best")
        cancelled.with_user(self.env.user)._action_cancel()  # a cancelled quote costs nothing

        admin = new_test_user(self.env, "pv_whatif_admin_p", groups="postventa.group_postventa_admin")
        policy = self.env["postventa.warranty.policy"]._get_current()
        draft = self.env["postventa.warranty.policy"].browse(policy.with_user(admin).action_new_version()["res_id"])
        draft.with_user(admin).coverage_ids.filtered(lambda c: c.code == "basic").months = 48
        result = draft.with_user(self.manager).simulate(self.today, self.today)
        self.assertIn(case.id, result["flipped_case_ids"])
        self.assertEqual(result["flips"].get("no_eligible->eligible"), len(result["flipped_case_ids"]))
        others = self.env["sale.order"].search([
            ("postventa_case_id", "in", result["flipped_case_ids"]), ("postventa_case_id", "!=", case.id),
            ("state", "!=", "cancel"),
        ])
        self.assertAlmostEqual(result["cost_impact"], round(quote.amount_total + sum(others.mapped("amount_total")), 2))
