from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import PostventaCommon


@tagged("post_install", "-at_install")
class TestSecurityCase(PostventaCommon):
    """Issue 11 item 4: fields the engine, an override or the bridge own are not writable by users."""

    def _decided_case(self):
        case = self._create_case(self._create_vehicle(months_ago=None), self.fault_electrical)
        case.with_user(self.user).action_evaluate_warranty()
        self.assertEqual(case.warranty_status, "review")
        return case

    def test_advisor_cannot_rewrite_a_decision(self):
        case = self._decided_case()
        decision = case.decision_id
        as_advisor = case.with_user(self.user)
        for vals in (
            {"warranty_status": "eligible"},
            {"decision_id": False},
            {"ticket_id": False},
            {"neon_id": 424242},
            {"bridge_touched_at": fields.Datetime.now()},
            {"date_evaluated": False},
            {"evidence_complete": True},
            {"is_ready": True},
            {"name": "PV/FAKE/1"},
            {"decision_ids": [fields.Command.clear()]},
        ):
            with self.subTest(vals=list(vals)), self.assertRaises(AccessError):
                as_advisor.write(vals)
        # not even with a context key that sounds like a permission
        with self.assertRaises(AccessError):
            as_advisor.with_context(postventa_engine=True, postventa_allow_locked_edit=True).write(
                {"warranty_status": "eligible"}
            )
        self.assertEqual((case.warranty_status, case.decision_id), ("review", decision))
        # the rest of the case stays editable by advisors
        as_advisor.write({"description": "Ruido al frenar", "odometer_km": 12_000})
        self.assertEqual(case.odometer_km, 12_000)

    def test_advisor_cannot_create_a_decided_case(self):
        Case = self.env["postventa.case"].with_user(self.user)
        for vals in ({"warranty_status": "eligible"}, {"neon_id": 515151}, {"date_done": fields.Datetime.now()}):
            with self.subTest(vals=list(vals)), self.assertRaises(AccessError):
                Case.create({"partner_id": self.partner.id, **vals})
        case = Case.create({"partner_id": self.partner.id, "warranty_status": "pending"})
        self.assertEqual(case.warranty_status, "pending")

    def test_manager_override_still_works(self):
        case = self._decided_case()
        wizard_form = Form(self.env["postventa.warranty.override"].with_user(self.manager).with_context(
            default_case_id=case.id))
        wizard_form.outcome = "eligible"
        wizard_form.reason = "Garantía de buena fe"
        wizard_form.save().action_apply()
        self.assertEqual(case.warranty_status, "eligible")
        self.assertTrue(case.decision_id.is_override)
        self.assertTrue(case.ticket_id)

    def test_reset_only_from_evaluated_or_cancelled(self):
        case = self._create_case(self._create_vehicle(months_ago=12), self.fault_electrical, km=20_000)
        case.with_user(self.user).action_evaluate_warranty()
        self.assertEqual((case.state, case.warranty_status), ("in_progress", "eligible"))
        with self.assertRaises(UserError):
            case.with_user(self.user).action_reset()
        self.assertEqual(case.warranty_status, "eligible")
        decided = self._decided_case()
        decided.with_user(self.user).action_reset()
        self.assertEqual((decided.state, decided.warranty_status), ("new", "pending"))

    def test_advisor_moves_a_case_only_along_the_buttons_rules(self):
        """A direct write of ``state`` (JSON-2 ``write``, a kanban drag) follows the same rules as the
        header buttons: nobody marks a case evaluated by hand or starts work on a case under review."""
        review = self._decided_case().with_user(self.user)
        for target in ("new", "evidence", "evaluated"):
            with self.subTest(target=target), self.assertRaises(AccessError):
                review.write({"state": target})
        with self.assertRaises(UserError):
            review.write({"state": "in_progress"})  # a warranty manager decides first
        with self.assertRaises(UserError):
            review.action_start()
        with self.assertRaises(UserError):
            review.write({"state": "done"})  # nothing was worked on
        self.assertEqual(review.state, "evaluated")
        fresh = self._create_case(self._create_vehicle(), self.fault_electrical).with_user(self.user)
        with self.assertRaises(UserError):
            fresh.action_done()
        with self.assertRaises(AccessError):
            self.env["postventa.case"].with_user(self.user).create({"partner_id": self.partner.id, "state": "done"})
        # what the buttons allow still works for the advisor
        review.action_cancel()
        self.assertEqual(review.state, "cancelled")
        review.action_reset()
        self.assertEqual(review.state, "new")
