from odoo.tests import new_test_user, tagged

from .common import PostventaCommon


@tagged("post_install", "-at_install")
class TestCaseOwnership(PostventaCommon):
    """People own the work: an advisor per case, review activities for a warranty manager."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Users = cls.env["res.users"]
        # Every advisor already in the database (e.g. the demo's) carries this many open cases, so
        # the two new ones are the least loaded.
        cls.advisor_a = new_test_user(cls.env, "pv_advisor_a", groups="postventa.group_postventa_user", name="A")
        cls.advisor_b = new_test_user(cls.env, "pv_advisor_b", groups="postventa.group_postventa_user", name="B")
        cls.new_advisors = cls.advisor_a | cls.advisor_b
        # Give the other advisors (pv_user, the demo's) one open case more than the new ones will have.
        for user in cls.env["postventa.case"]._advisor_pool(cls.env.company) - cls.new_advisors:
            cls.env["postventa.case"].create({"partner_id": cls.partner.id, "user_id": user.id})
            cls.env["postventa.case"].create({"partner_id": cls.partner.id, "user_id": user.id})

    def test_robots_never_own_a_case_and_load_is_spread(self):
        Case = self.env["postventa.case"].with_user(self.integration).sudo()
        first = Case.create({"partner_id": self.partner.id, "vehicle_id": self._create_vehicle().id})
        second = Case.create({"partner_id": self.partner.id, "vehicle_id": self._create_vehicle().id})
        self.assertEqual(first.user_id | second.user_id, self.new_advisors, "one each: least loaded first")
        # OdooBot (install, scheduled jobs) creates a batch: it spreads the same way.
        batch = self.env["postventa.case"].create(
            [{"partner_id": self.partner.id, "vehicle_id": self._create_vehicle().id} for _i in range(2)]
        )
        self.assertEqual(batch.user_id, self.new_advisors)
        for case in first | second | batch:
            self.assertNotIn(case.user_id, self.integration | self.env.ref("base.user_root") | self.manager)

    def test_the_vehicle_keeps_its_usual_advisor(self):
        vehicle = self._create_vehicle()
        self.env["postventa.case"].create({"partner_id": self.partner.id, "vehicle_id": vehicle.id,
                                           "user_id": self.advisor_b.id, "state": "done"})
        again = self.env["postventa.case"].with_user(self.integration).sudo().create(
            {"partner_id": self.partner.id, "vehicle_id": vehicle.id}
        )
        self.assertEqual(again.user_id, self.advisor_b)

    def test_an_advisor_at_the_counter_owns_the_case_they_open(self):
        case = self.env["postventa.case"].with_user(self.advisor_b).create({"partner_id": self.partner.id})
        self.assertEqual(case.user_id, self.advisor_b)
        explicit = self.env["postventa.case"].with_user(self.integration).sudo().create(
            {"partner_id": self.partner.id, "user_id": self.advisor_a.id}
        )
        self.assertEqual(explicit.user_id, self.advisor_a)

    def test_review_goes_to_a_dedicated_warranty_manager_not_the_administrator(self):
        admin = self.env.ref("base.user_admin")
        self.assertTrue(admin.has_group("postventa.group_postventa_warranty_manager"), "implied by admin role")
        case = self._create_case(self._create_vehicle(months_ago=None), self.fault_electrical)
        case.action_evaluate_warranty()
        self.assertEqual(case.warranty_status, "review")
        managers = self.env.ref("postventa.group_postventa_warranty_manager").all_user_ids
        admins = self.env.ref("postventa.group_postventa_admin").all_user_ids
        self.assertIn(case.activity_ids.user_id, managers - admins)
        self.assertNotEqual(case.activity_ids.user_id, admin)
