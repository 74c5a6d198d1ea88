from odoo.exceptions import AccessError
from odoo.tests import Form, tagged

from .common import PostventaCommon


@tagged("post_install", "-at_install")
class TestDecisionLog(PostventaCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.case = cls._create_case(cls._create_vehicle(months_ago=None), cls.fault_electrical)
        cls.case.action_evaluate_warranty()
        cls.decision = cls.case.decision_id

    def test_nobody_but_the_superuser_edits_or_deletes_decisions(self):
        for user in (self.user, self.manager, self.env.ref("base.user_admin")):
            with self.assertRaises(AccessError):
                self.decision.with_user(user).write({"outcome": "eligible"})
            with self.assertRaises(AccessError):
                self.decision.with_user(user).unlink()
        self.assertEqual(self.decision.outcome, "review")

    def test_users_cannot_create_decisions_directly(self):
        Decision = self.env["postventa.warranty.decision"]
        for user in (self.user, self.manager):
            with self.assertRaises(AccessError):
                Decision.with_user(user).with_context(postventa_decision_log=True).create({
                    "case_id": self.case.id, "company_id": self.env.company.id, "outcome": "eligible",
                })

    def test_manager_override_is_a_new_decision_referencing_the_old_one(self):
        wizard_form = Form(self.env["postventa.warranty.override"].with_user(self.manager).with_context(
            default_case_id=self.case.id))
        wizard_form.outcome = "eligible"
        wizard_form.reason = "Factura de entrega presentada en agencia: entregado hace 14 meses."
        wizard_form.save().action_apply()
        override = self.case.decision_id
        self.assertNotEqual(override, self.decision)
        self.assertTrue(override.is_override)
        self.assertEqual(override.override_of_id, self.decision)
        self.assertEqual(override.user_id, self.manager)
        self.assertEqual(override.outcome, "eligible")
        self.assertEqual(self.case.warranty_status, "eligible")
        self.assertTrue(self.case.ticket_id, "an eligible override opens the warranty ticket")
        self.assertEqual(self.decision.outcome, "review", "the overridden decision is untouched")
        self.assertEqual(len(self.case.decision_ids), 2)

    def test_only_managers_override(self):
        wizard = self.env["postventa.warranty.override"].create(
            {"case_id": self.case.id, "outcome": "eligible", "reason": "porque sí"}
        )
        with self.assertRaises(AccessError):
            wizard.with_user(self.user).action_apply()
        self.assertEqual(len(self.case.decision_ids), 1)

    def test_the_append_only_guard_holds_even_for_a_group_with_write_access(self):
        """The guard in the model, not the access list, keeps the log append-only: a group that a
        dealer's admin grants full rights on decisions still cannot change or delete one."""
        group = self.env["res.groups"].create({"name": "Decision editors (test)"})
        self.env["ir.model.access"].create({
            "name": "decisions: full access (test)",
            "model_id": self.env["ir.model"]._get_id("postventa.warranty.decision"),
            "group_id": group.id,
            "perm_read": True, "perm_write": True, "perm_create": True, "perm_unlink": True,
        })
        self.manager.group_ids = [(4, group.id)]
        decision = self.decision.with_user(self.manager)
        self.assertTrue(decision.has_access("write") and decision.has_access("unlink"))
        with self.assertRaisesRegex(AccessError, "append-only"):
            decision.write({"outcome": "eligible", "reason_text": "reescrita"})
        with self.assertRaisesRegex(AccessError, "append-only"):
            decision.unlink()
        self.assertEqual((self.decision.outcome, self.case.decision_id), ("review", self.decision))
