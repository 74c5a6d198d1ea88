from odoo.tests import HttpCase, tagged

from .screens import tour_screens
from .test_demo_pesos import _skip_without_demo

CASES_URL = "/odoo/action-postventa.postventa_case_action"


@tagged("post_install", "-at_install")
class TestRoleTours(HttpCase):
    """One browser tour per role on the demo as ``make run`` ships it (Spanish, pesos), each screen
    photographed into ``$POSTVENTA_SCREENSHOT_DIR`` (default /tmp/postventa-screens)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        _skip_without_demo(cls)

    def _case(self, xmlid):
        return self.env.ref(f"postventa.{xmlid}")

    def _check_screens(self, screens, expected):
        self.assertEqual(len(screens), expected, [path.name for path in screens])
        missing = [path.name for path in screens if not path.is_file() or path.stat().st_size < 1000]
        self.assertFalse(missing, f"screens not written: {missing}")

    def test_advisor_evaluates_and_confirms_the_accepted_quote(self):
        evidence = self._case("case_evidence")
        quoted = self._case("case_no_eligible_expired")
        with tour_screens("postventa_role_advisor_tour") as screens:
            self.start_tour(CASES_URL, "postventa_role_advisor_tour", login="asesor", timeout=240)
        self._check_screens(screens, 8)
        advisor = self.env.ref("postventa.user_advisor")
        self.assertEqual(evidence.warranty_status, "review")
        self.assertEqual(evidence.decision_id.user_id, advisor)
        order = quoted.postventa_quote_id
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.currency_id, self.env.ref("base.MXN"))
        self.assertTrue(quoted.postventa_purchase_ids)
        self.assertEqual(quoted.postventa_purchase_ids.currency_id, self.env.ref("base.MXN"))
        self.assertEqual(quoted.state, "in_progress")

    def test_warranty_manager_overrides_the_review(self):
        case = self._case("case_review_delivery")
        self.assertEqual(case.warranty_status, "review")
        with tour_screens("postventa_role_warranty_manager_tour") as screens:
            self.start_tour(CASES_URL, "postventa_role_warranty_manager_tour", login="garantias", timeout=240)
        self._check_screens(screens, 5)
        manager = self.env.ref("postventa.user_warranty_manager")
        self.assertEqual(case.warranty_status, "eligible")
        self.assertTrue(case.decision_id.is_override)
        self.assertEqual(case.decision_id.user_id, manager)
        self.assertEqual(case.ticket_id.currency_id, self.env.ref("base.MXN"))
        self.assertGreater(case.ticket_id.total_cost, 0)

    def test_purchasing_approves_the_quote_and_confirms_the_purchase_order(self):
        waiting = self._case("case_no_eligible_wear").postventa_quote_id
        self.assertEqual(waiting.postventa_approval_state, "to_approve")
        # The customer of the other demo quote (approved) accepted it at the counter: the advisor
        # confirmed it (the advisor's own tour clicks that), so a draft purchase order is waiting.
        accepted = self._case("case_no_eligible_expired").postventa_quote_id
        accepted.with_user(self.env.ref("postventa.user_advisor")).action_confirm()
        purchase = self._case("case_no_eligible_expired").postventa_purchase_ids
        self.assertEqual(len(purchase), 1)
        self.assertEqual(purchase.state, "draft")
        with tour_screens("postventa_role_purchasing_tour") as screens:
            self.start_tour(CASES_URL, "postventa_role_purchasing_tour", login="compras", timeout=240)
        self._check_screens(screens, 7)
        approver = self.env.ref("postventa.user_purchasing_approver")
        self.assertEqual(waiting.postventa_approval_state, "approved")
        self.assertEqual(waiting.postventa_approved_by_id, approver)
        self.assertEqual(purchase.state, "purchase")
        self.assertEqual(purchase.currency_id, self.env.ref("base.MXN"))
