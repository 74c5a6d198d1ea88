from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import PostventaCommon


@tagged("post_install", "-at_install")
class TestSecurityIntegration(PostventaCommon):
    """Issue 11 item 5: the bridge's user has a group of its own that implies nothing else; it reaches
    Odoo data only through the ``bridge_*`` methods, which check it and then work for it."""

    def test_integration_group_implies_nothing(self):
        group = self.env.ref("postventa.group_postventa_integration")
        self.assertFalse(group.implied_ids)
        self.assertFalse(self.integration.has_group("base.group_user"))
        self.assertFalse(self.integration.has_group("postventa.group_postventa_user"))
        self.assertTrue(self.integration.share)

    def test_integration_reads_and_writes_nothing_directly(self):
        case = self._create_case(self._create_vehicle(), self.fault_electrical, neon_id=777001)
        attachment = self.env["ir.attachment"].create(
            {"name": "x.jpg", "raw": b"x", "res_model": case._name, "res_id": case.id}
        )
        other = self.env["res.partner"].create({"name": "Otro cliente", "phone": "+5215500000999"})
        env = self.env(user=self.integration)
        for model, record in (
            ("postventa.case", case),
            ("postventa.vehicle", case.vehicle_id),
            ("postventa.fault", self.fault_electrical),
            ("postventa.event", self.env["postventa.event"].search([], limit=1)),
            ("res.partner", other),
            ("ir.attachment", attachment),
            ("mail.message", self.env["mail.message"].search([], limit=1)),
        ):
            with self.subTest(model=model), self.assertRaises(AccessError):
                env[model].browse(record.ids).read(["display_name"])
        with self.assertRaises(AccessError):
            env["res.users"].browse(self.user.ids).read(["login"])
        with self.assertRaises(AccessError):
            case.with_user(self.integration).write({"description": "editado por el bridge"})
        with self.assertRaises(AccessError):
            env["postventa.case"].search([])

    def test_bridge_methods_still_work_for_it(self):
        case = self._create_case(self._create_vehicle(), self.fault_electrical, neon_id=777002)
        Case = self.env["postventa.case"].with_user(self.integration)
        changes = Case.bridge_changes(limit=5000)
        self.assertIn(case.id, [r["id"] for r in changes["records"]])
        self.assertTrue(self.env["postventa.fault"].with_user(self.integration).bridge_catalog())
        self.assertIsInstance(self.env["postventa.event"].with_user(self.integration).bridge_pull(), list)
        self.assertEqual(Case.bridge_handoff(777002, note="quiere asesor")["id"], case.id)

    def test_bridge_event_methods_check_their_input(self):
        Event = self.env["postventa.event"].with_user(self.integration)
        for kwargs in ({"after_id": "1 OR 1=1"}, {"after_id": -1}, {"limit": None}, {"after_id": True}):
            with self.subTest(kwargs=kwargs), self.assertRaises(ValidationError):
                Event.bridge_pull(**kwargs)
        for updates in ("delivered", [1, 2], {"event_id": "x"}):
            with self.subTest(updates=updates), self.assertRaises(ValidationError):
                Event.bridge_report_delivery(updates)
        self.assertEqual(Event.bridge_report_delivery([{"event_id": ["x"]}, {"event_id": "nope"}]), 0)
