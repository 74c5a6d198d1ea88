from dateutil.relativedelta import relativedelta

from odoo.tests import tagged

from .common import PostventaCommon


@tagged("post_install", "-at_install")
class TestPolicyVersions(PostventaCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Policy = cls.env["postventa.warranty.policy"]
        cls.company = cls.env["res.company"].create({"name": "Agencia con versiones"})

    def _policy(self, version, date_from, months=36, **vals):
        return self.Policy.create({
            "name": f"Política {version}", "version": version, "date_from": date_from,
            "company_id": self.company.id,
            "coverage_ids": [(0, 0, {"code": "basic", "name": "Básica", "months": months, "km": 60_000,
                                     "system_ids": [(6, 0, self.sys_electrical.ids)]})],
            **vals,
        })

    def test_the_policy_in_force_is_the_latest_started_active_version(self):
        shipped = self.Policy._find_current(self.today, self.env.company)
        self.assertEqual(shipped.version, "2026.1", "the shipped policy serves a company without its own")
        older = self._policy("T-1", self.today - relativedelta(years=2))
        current = self._policy("T-2", self.today - relativedelta(days=10))
        future = self._policy("T-3", self.today + relativedelta(days=10))
        find = self.Policy._find_current
        self.assertEqual(find(self.today, self.company), current)
        self.assertEqual(find(self.today - relativedelta(days=11), self.company), older)
        self.assertEqual(find(future.date_from, self.company), future, "in force from its first day")
        self.assertEqual(find(future.date_from - relativedelta(days=1), self.company), current)
        current.active = False
        self.assertEqual(find(self.today, self.company), older, "an archived version is never in force")
        other = self.env["res.company"].create({"name": "Otra agencia"})
        self.assertEqual(find(self.today, other), shipped, "a company's own versions stay its own")

    def test_new_version_is_an_editable_copy_and_old_decisions_keep_theirs(self):
        policy = self._policy("T-10", self.today - relativedelta(years=1), months=36)
        vehicle = self._create_vehicle(months_ago=40, company_id=self.company.id)
        case = self._create_case(vehicle, self.fault_electrical, km=30_000, company_id=self.company.id)
        case.action_evaluate_warranty()
        self.assertEqual((case.decision_id.policy_version, case.warranty_status), ("T-10", "no_eligible"))
        action = policy.action_new_version()
        new = self.Policy.browse(action["res_id"])
        self.assertEqual((new.version, new.date_from, new.company_id), ("T-10-new", self.today, self.company))
        self.assertEqual(new.coverage_ids.mapped("months"), [36])
        self.assertNotEqual(new.coverage_ids, policy.coverage_ids, "coverages are copied, not shared")
        self.assertEqual(new.state, "draft", "a new version is never in force before it is activated")
        new.write({"version": "T-11"})
        new.coverage_ids.months = 48
        self.assertEqual(policy.coverage_ids.months, 36)
        self.assertEqual(self.Policy._find_current(self.today, self.company), policy)
        new.action_activate(self.today)
        self.assertEqual(self.Policy._find_current(self.today, self.company), new)
        later = self._create_case(vehicle, self.fault_electrical, km=31_000, company_id=self.company.id)
        later.action_evaluate_warranty()
        self.assertEqual((later.decision_id.policy_version, later.warranty_status), ("T-11", "eligible"))
        self.assertEqual(case.decision_id.policy_version, "T-10")
        self.assertEqual(policy.decision_count, 1)
        self.assertEqual(new.decision_count, 1)

    def test_ticket_number_mirrors_the_case_number(self):
        first = self._create_case(self._create_vehicle(months_ago=6), self.fault_electrical, km=5_000)
        second = self._create_case(self._create_vehicle(months_ago=6), self.fault_electrical, km=6_000)
        (first | second).action_evaluate_warranty()
        for case in first | second:
            self.assertEqual(case.ticket_id.name, "GT/" + case.name.removeprefix("PV/"))
        extra = self.env["postventa.warranty.ticket"].create({"case_id": first.id})
        self.assertEqual(extra.name, first.ticket_ids.sorted("id")[0].name + "-2")
