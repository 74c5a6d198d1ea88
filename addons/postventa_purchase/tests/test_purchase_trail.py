from odoo.tests import tagged

from .common import PostventaPurchaseCommon


@tagged("post_install", "-at_install")
class TestPurchaseTrail(PostventaPurchaseCommon):
    """The purchase order tells why its supplier was chosen; the case says it is a draft RFQ."""

    def test_po_shows_the_supplier_choice_and_the_case_says_draft(self):
        case = self._no_eligible_case()
        order = case._postventa_create_quotes()
        order.with_user(self.approver).action_postventa_approve()
        order.action_confirm()
        purchases = case.postventa_purchase_ids
        self.assertTrue(purchases)
        for purchase in purchases.with_user(self.approver):
            self.assertEqual(purchase.state, "draft")
            choices = purchase.postventa_choice_ids
            self.assertTrue(choices, purchase.partner_id.name)
            self.assertEqual(choices.partner_id, purchase.partner_id)
            self.assertEqual(set(choices.product_id.ids), set(purchase.order_line.product_id.ids))
            self.assertTrue(all(choices.mapped("reason")))
        bodies = " ".join(str(body) for body in case.message_ids.mapped("body"))
        self.assertIn("not sent yet", bodies)
        self.assertNotIn(" sent to ", bodies)

    def test_a_waiting_quote_is_an_activity_for_a_purchasing_approver(self):
        case = self._no_eligible_case()
        order = case._postventa_create_quotes()
        activity_type = self.env.ref("postventa_purchase.mail_activity_type_quote_approval")
        waiting = order.activity_ids.filtered(lambda a: a.activity_type_id == activity_type)
        self.assertEqual(len(waiting), 1)
        approvers = self.env.ref("postventa.group_postventa_purchasing_approver").all_user_ids
        admins = self.env.ref("postventa.group_postventa_admin").all_user_ids
        self.assertIn(waiting.user_id, approvers - admins)
        order.with_user(self.approver).action_postventa_approve()
        self.assertFalse(order.activity_ids.filtered(lambda a: a.activity_type_id == activity_type))
        order.with_user(self.approver).action_postventa_reset_approval()
        self.assertEqual(len(order.activity_ids.filtered(lambda a: a.activity_type_id == activity_type)), 1)
