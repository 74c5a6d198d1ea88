from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import PostventaPurchaseCommon


@tagged("post_install", "-at_install")
class TestSecurityQuote(PostventaPurchaseCommon):
    """Issue 11 item 2: approval state, approver, locked lines and state transitions change only through
    the actions that check the purchasing-approver group, whatever the context says."""

    BYPASS = {"postventa_allow_locked_edit": True}

    def _approved_quote(self):
        case = self._no_eligible_case()
        order = case.with_user(self.user)._postventa_create_quotes()
        order.with_user(self.approver).action_postventa_approve()
        self.assertEqual(order.postventa_approval_state, "approved")
        return order.with_user(self.env.user)

    def test_context_key_does_not_unlock_an_approved_quote(self):
        order = self._approved_quote()
        line = order.order_line.filtered(lambda line: not line.postventa_is_labor)[0]
        price = line.price_unit
        with self.assertRaises(UserError):
            line.with_user(self.user).with_context(**self.BYPASS).write({"price_unit": 1301.0})
        with self.assertRaises(UserError):
            order.with_user(self.user).with_context(**self.BYPASS).write(
                {"order_line": [fields.Command.update(line.id, {"price_unit": 1.0})]}
            )
        with self.assertRaises(UserError):
            self.env["sale.order.line"].with_user(self.user).with_context(**self.BYPASS).create(
                {"order_id": order.id, "product_id": self.filter.id, "product_uom_qty": 1}
            )
        with self.assertRaises(UserError):
            line.with_user(self.user).with_context(**self.BYPASS).unlink()
        self.assertEqual((line.price_unit, order.postventa_approval_state), (price, "approved"))

    def test_lines_cannot_be_moved_into_or_out_of_an_approved_quote(self):
        order = self._approved_quote()
        other = self.env["sale.order"].create({"partner_id": self.partner.id})
        loose = self.env["sale.order.line"].create(
            {"order_id": other.id, "product_id": self.filter.id, "product_uom_qty": 1}
        )
        with self.assertRaises(UserError):
            loose.with_user(self.user).write({"order_id": order.id})
        with self.assertRaises(UserError):
            order.order_line[0].with_user(self.user).write({"order_id": other.id})
        with self.assertRaises(UserError):
            order.order_line[0].with_user(self.user).write({"postventa_supplierinfo_id": False})

    def test_write_cannot_confirm_or_send_a_quote_waiting_for_approval(self):
        case = self._no_eligible_case()
        order = case.with_user(self.user)._postventa_create_quotes().with_user(self.env.user)
        self.assertEqual(order.postventa_approval_state, "to_approve")
        for state in ("sale", "sent"):
            with self.subTest(state=state), self.assertRaises(UserError):
                order.with_user(self.user).write({"state": state})
        self.assertEqual(order.state, "draft")
        # nor by detaching the quote from its case first
        with self.assertRaises(AccessError):
            order.with_user(self.user).write({"postventa_case_id": False})
        self.assertEqual(order.postventa_case_id, case)

    def test_approval_fields_only_through_the_actions(self):
        order = self._approved_quote()
        for user in (self.user, self.manager, self.approver):
            for vals in (
                {"postventa_approval_state": "to_approve"},
                {"postventa_approval_state": "approved"},
                {"postventa_approved_by_id": user.id},
                {"postventa_approved_date": fields.Datetime.now()},
                {"postventa_reject_reason": "x"},
            ):
                with self.subTest(user=user.login, vals=list(vals)), self.assertRaises(AccessError):
                    order.with_user(user).with_context(**self.BYPASS).write(vals)
        Order = self.env["sale.order"].with_user(self.user)
        with self.assertRaises(AccessError):
            Order.create({"partner_id": self.partner.id, "postventa_approval_state": "approved"})
        with self.assertRaises(AccessError):
            Order.create({"partner_id": self.partner.id, "postventa_approved_by_id": self.approver.id})

    def test_reset_approval_needs_an_approver(self):
        order = self._approved_quote()
        for user in (self.user, self.manager, self.outsider):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                order.with_user(user).action_postventa_reset_approval()
        self.assertEqual(order.postventa_approval_state, "approved")
        order.with_user(self.approver).action_postventa_reset_approval()
        self.assertEqual((order.postventa_approval_state, order.state), ("to_approve", "draft"))
        order.order_line[0].with_user(self.user).price_unit = 1.0  # unlocked for the advisor again

    def test_back_to_draft_of_a_sent_approved_quote_is_an_approver_reset(self):
        order = self._approved_quote()
        order.action_quotation_sent()
        self.assertEqual(order.state, "sent")
        with self.assertRaises(AccessError):
            order.with_user(self.user).action_draft()
        self.assertEqual((order.state, order.postventa_approval_state), ("sent", "approved"))
        order.with_user(self.approver).action_draft()
        self.assertEqual((order.state, order.postventa_approval_state), ("draft", "to_approve"))
        # back from cancelled stays open to advisors: it only asks for approval again
        order.with_user(self.approver).action_postventa_approve()
        order.with_user(self.user).action_cancel()
        order.with_user(self.user).action_draft()
        self.assertEqual((order.state, order.postventa_approval_state), ("draft", "to_approve"))
