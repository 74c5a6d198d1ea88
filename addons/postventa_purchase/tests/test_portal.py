from odoo.tests import HttpCase, tagged

from .common import PostventaPurchaseCommon
from .test_quote_flow import PNG_1PX


@tagged("post_install", "-at_install")
class TestPortalAcceptance(HttpCase, PostventaPurchaseCommon):
    """The customer signs on the portal link sent with ``quote.approved``."""

    def _accept(self, order):
        return self.make_jsonrpc_request(
            f"/my/orders/{order.id}/accept",
            {"access_token": order._portal_ensure_token(), "name": "Cliente Prueba", "signature": PNG_1PX},
        )

    def test_portal_signature_confirms_the_approved_quote_and_orders_parts(self):
        case = self._no_eligible_case()
        order = case.with_user(self.user)._postventa_create_quotes().sudo()
        order.require_payment = False  # the dealer collects at the counter; online prepayment is another flow
        result = self._accept(order)
        # Sale's own refusal (in the portal's language: Spanish by default in the demo).
        self.assertTrue(result.get("error"), result)
        self.assertEqual(order.state, "draft")
        order.with_user(self.approver).action_postventa_approve()
        result = self._accept(order)
        self.assertFalse(result.get("error"), result)
        self.assertNotIn("allow_payment", result["redirect_url"])
        self.env.invalidate_all()  # the request ran on the same cursor, outside this environment's cache
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.signed_by, "Cliente Prueba")
        self.assertEqual(set(case.postventa_purchase_ids.partner_id), {self.sup_fast, self.sup_cheap})
        accepted = self._events(case, "quote.accepted")
        self.assertEqual(len(accepted), 1)
        self.assertEqual(accepted.data["channel"], "portal")
