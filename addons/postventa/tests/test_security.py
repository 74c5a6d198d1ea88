from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import PostventaCommon


@tagged("post_install", "-at_install")
class TestSecurity(PostventaCommon):
    def test_access_per_group(self):
        case = self._create_case(self._create_vehicle(), self.fault_electrical)
        # internal users outside the app see nothing
        with self.assertRaises(AccessError):
            case.with_user(self.outsider).read(["name"])
        with self.assertRaises(AccessError):
            self.env["postventa.case"].with_user(self.outsider).create({"partner_id": self.partner.id})
        # users work cases but do not configure the catalog or the policy, nor delete cases
        self.assertTrue(case.with_user(self.user).read(["name"]))
        with self.assertRaises(AccessError):
            self.fault_electrical.with_user(self.user).write({"labor_hours": 9})
        with self.assertRaises(AccessError):
            self.env.ref("postventa.coverage_basic").with_user(self.user).write({"km": 999_999})
        with self.assertRaises(AccessError):
            case.with_user(self.user).unlink()
        # warranty managers maintain the fault catalog, administrators the policy
        self.fault_electrical.with_user(self.manager).write({"labor_hours": 3.5})
        with self.assertRaises(AccessError):
            self.env.ref("postventa.coverage_basic").with_user(self.manager).write({"km": 70_000})
        admin = new_test_user(self.env, "pv_admin", groups="postventa.group_postventa_admin")
        self.env.ref("postventa.coverage_basic").with_user(admin).write({"km": 70_000})
        self.assertEqual(self.env.ref("postventa.coverage_basic").km, 70_000)

    def test_bridge_methods_need_the_integration_group(self):
        with self.assertRaises(AccessError):
            self.env["postventa.case"].with_user(self.user).bridge_upsert_cases([])
        with self.assertRaises(AccessError):
            self.env["postventa.event"].with_user(self.manager).bridge_pull()
        self.assertEqual(self.env["postventa.case"].with_user(self.integration).bridge_upsert_cases([]), [])

    def test_users_see_only_their_company_cases(self):
        other_company = self.env["res.company"].create({"name": "Toyota Querétaro"})
        vehicle = self._create_vehicle(company_id=other_company.id)
        foreign = self._create_case(vehicle, self.fault_electrical, company_id=other_company.id)
        mine = self._create_case(self._create_vehicle(), self.fault_electrical)
        visible = self.env["postventa.case"].with_user(self.user).search([("id", "in", (foreign | mine).ids)])
        self.assertEqual(visible, mine)
        self.user.company_ids |= other_company
        both = self.env["postventa.case"].with_user(self.user).with_context(
            allowed_company_ids=[self.env.company.id, other_company.id]
        ).search([("id", "in", (foreign | mine).ids)])
        self.assertEqual(both, foreign | mine)
