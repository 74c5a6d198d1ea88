from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from ..engine import replay
from .common import PostventaCommon


@tagged("post_install", "-at_install")
class TestWhatIf(PostventaCommon):
    """Policy what-if: replaying stored decisions under a version (``simulate``) and activating it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = new_test_user(cls.env, "pv_whatif_admin", groups="postventa.group_postventa_admin")
        cls.policy = cls.env["postventa.warranty.policy"]._get_current()
        cls.fault_new_wear = cls._create_fault("T-ELE-9", cls.sys_electrical, evidence=cls.ev_odometer)
        # Generated decisions over every outcome, none in the window the hand-picked changes touch.
        generated = cls.env["postventa.case"]
        for index, months in enumerate((6, 12, 24, 30, 50, 60, 70, None)):
            for fault in (cls.fault_electrical, cls.fault_engine, cls.fault_hybrid, cls.fault_wear):
                powertrain = "hybrid" if index % 2 else "gasoline"
                vehicle = cls._create_vehicle(months_ago=months, powertrain=powertrain)
                for km in (5_000, 45_000, 90_000, 150_000):
                    generated |= cls._create_case(vehicle, fault, km=km, evidence_provided=bool(km % 2 or index % 3))
        generated |= cls._create_case(None, cls.fault_electrical, vin_reported="JTDXXXXXXXXXXXXXX")
        # Hand-picked for the changed policy (basic 36 -> 48 months, T-ELE-9 becomes a wear item).
        cls.case_time_expired = cls._create_case(cls._create_vehicle(months_ago=40), cls.fault_electrical, km=30_000)
        cls.case_km_expired = cls._create_case(cls._create_vehicle(months_ago=40), cls.fault_electrical, km=70_000)
        cls.case_past_48 = cls._create_case(cls._create_vehicle(months_ago=50), cls.fault_electrical, km=30_000)
        cls.case_new_wear = cls._create_case(cls._create_vehicle(months_ago=12), cls.fault_new_wear, km=10_000)
        cls.case_new_wear_review = cls._create_case(
            cls._create_vehicle(months_ago=12), cls.fault_new_wear, km=10_000, evidence_provided=False,
        )
        cls.case_powertrain = cls._create_case(cls._create_vehicle(months_ago=40), cls.fault_engine, km=30_000)
        cls.hand_picked = (cls.case_time_expired | cls.case_km_expired | cls.case_past_48 | cls.case_new_wear
                           | cls.case_new_wear_review | cls.case_powertrain)
        generated.action_evaluate_warranty()
        cls.hand_picked.action_evaluate_warranty()
        cls.generated = generated
        cls.case_new_wear.ticket_id.line_ids.unlink()  # the catalog's estimate: replaced by the real cost
        cls.env["postventa.warranty.ticket.line"].create({
            "ticket_id": cls.case_new_wear.ticket_id.id, "description": "Alternador", "unit_cost": 1_500.0,
        })
        cls.period = (cls.today - relativedelta(months=12), cls.today)

    def _draft(self):
        action = self.policy.with_user(self.admin).action_new_version()
        draft = self.env["postventa.warranty.policy"].browse(action["res_id"])
        self.assertEqual(draft.state, "draft")
        draft.version = f"{self.policy.version}-whatif-{draft.id}"  # the next copy may take "-new" again
        return draft

    def _changed_draft(self):
        draft = self._draft().with_user(self.admin)
        draft.coverage_ids.filtered(lambda c: c.code == "basic").months = 48
        draft.wear_fault_ids = self.fault_new_wear
        return draft

    def _decided_cases(self):
        decisions = self.env["postventa.warranty.decision"].search([("is_override", "=", False)])
        return decisions.case_id

    def test_replay_under_the_unchanged_policy_reproduces_every_stored_outcome(self):
        decisions = self.env["postventa.warranty.decision"].search([])
        self.assertEqual(len(self.generated.decision_ids), len(self.generated))
        self.assertEqual(set(decisions.mapped("outcome")), {"eligible", "review", "no_eligible"})
        demo_case = self.env.ref("postventa.case_eligible", raise_if_not_found=False)
        if demo_case:  # CI installs with demo data: its decisions are replayed too
            self.assertIn(demo_case.decision_id, decisions)
        # every stored decision, one by one, through the engine
        for decision in decisions.filtered(lambda d: not d.is_override):
            again = next(replay.replay(decision.policy_id._to_engine(), [
                replay.StoredDecision(decision.case_id.id, decision.outcome, decision.inputs)
            ]))
            self.assertEqual(again.decision.outcome, decision.outcome, decision.case_id.name)
            self.assertEqual([r.code for r in again.decision.reasons], decision.reason_codes.split(","))
            self.assertEqual(again.decision.inputs, decision.inputs)
        # and in bulk, under the version in force and under an identical draft of it
        count = len(self._decided_cases())
        expected = {"cases": count, "unchanged": count, "flips": {}, "flipped_case_ids": [], "cost_impact": 0}
        self.assertEqual(self.policy.with_user(self.manager).simulate(*self.period), expected)
        self.assertEqual(self._draft().with_user(self.manager).simulate(*self.period), expected)

    def test_a_changed_policy_flips_exactly_the_hand_picked_cases(self):
        draft = self._changed_draft()
        self.assertEqual(self.case_time_expired.warranty_status, "no_eligible")
        self.assertEqual(self.case_new_wear.warranty_status, "eligible")
        self.assertEqual(self.case_new_wear_review.warranty_status, "review")
        decisions_before = self.env["postventa.warranty.decision"].search_count([])
        result = draft.with_user(self.manager).simulate(
            fields.Date.to_string(self.period[0]), fields.Date.to_string(self.period[1])  # as JSON-2 sends them
        )
        count = len(self._decided_cases())
        self.assertEqual(result, {
            "cases": count,
            "unchanged": count - 3,
            "flips": {"eligible->no_eligible": 1, "no_eligible->eligible": 1, "review->no_eligible": 1},
            "flipped_case_ids": sorted((self.case_time_expired | self.case_new_wear | self.case_new_wear_review).ids),
            "cost_impact": -1_500.0,  # the ticket the warranty would no longer pay
        })
        self.assertEqual(self.env["postventa.warranty.decision"].search_count([]), decisions_before)
        self.assertEqual(self.case_time_expired.warranty_status, "no_eligible")

    def test_the_period_selects_the_decisions(self):
        yesterday = self.today - relativedelta(days=1)
        empty = {"cases": 0, "unchanged": 0, "flips": {}, "flipped_case_ids": [], "cost_impact": 0}
        self.assertEqual(self.policy.with_user(self.manager).simulate(yesterday - relativedelta(years=1),
                                                                      yesterday), empty)
        with self.assertRaises(UserError):
            self.policy.with_user(self.manager).simulate(self.today, yesterday)
        with self.assertRaises(UserError):
            self.policy.with_user(self.manager).simulate("not a date", self.today)

    def test_simulation_screen(self):
        draft = self._changed_draft()
        action = draft.with_user(self.manager).action_open_simulation()
        wizard = self.env[action["res_model"]].with_user(self.manager).with_context(**action["context"]).create({})
        self.assertEqual((wizard.date_from, wizard.date_to), self.period)  # last 12 months by default
        decisions_before = self.env["postventa.warranty.decision"].search_count([])
        wizard.action_simulate()
        self.assertEqual((wizard.case_count, wizard.flip_count), (len(self._decided_cases()), 3))
        self.assertEqual(wizard.unchanged_count, wizard.case_count - 3)
        self.assertEqual((wizard.cost_impact, wizard.cost_saved, wizard.cost_added), (-1_500.0, 1_500.0, 0.0))
        self.assertIn("o_postventa_flip_matrix", wizard.flip_matrix)
        line = wizard.line_ids.filtered(lambda li: li.case_id == self.case_time_expired)
        self.assertEqual((line.old_outcome, line.new_outcome, line.flip), ("no_eligible", "eligible",
                                                                          "no_eligible->eligible"))
        self.assertIn("venció", line.old_reasons)
        self.assertIn("Cubierto", line.new_reasons)
        wear = wizard.line_ids.filtered(lambda li: li.case_id == self.case_new_wear)
        self.assertEqual((wear.new_reason_codes, wear.cost_impact), ("wear_item_excluded", -1_500.0))
        listing = wizard.action_view_lines()
        self.assertEqual(self.env[listing["res_model"]].with_user(self.manager).search(listing["domain"]),
                         wizard.line_ids)
        self.assertEqual(self.env["postventa.warranty.decision"].search_count([]), decisions_before)

    def test_activation_keeps_past_decisions_and_applies_from_the_effective_date(self):
        draft = self._changed_draft()
        Policy = self.env["postventa.warranty.policy"]
        self.assertEqual(Policy._find_current(), self.policy, "a draft is never in force")
        next_week = self.today + relativedelta(days=7)
        with self.assertRaises(UserError):
            draft.with_user(self.admin).action_activate(self.today - relativedelta(days=1))
        wizard = self.env["postventa.warranty.policy.activation"].with_user(self.admin).create({
            "policy_id": draft.id, "effective_date": next_week,
        })
        wizard.action_activate()
        self.assertEqual((draft.state, draft.date_from), ("active", next_week))
        self.assertEqual(Policy._find_current(self.today), self.policy)
        self.assertEqual(Policy._find_current(next_week), draft)
        with self.assertRaises(UserError):
            draft.with_user(self.admin).action_activate(next_week)  # already active
        # activated today: new evaluations use it, past decisions keep theirs
        other = self._changed_draft()
        other.with_user(self.admin).action_activate()
        old_decision = self.case_time_expired.decision_id
        self.case_time_expired.action_reset()
        self.case_time_expired.action_evaluate_warranty()
        self.assertEqual(self.case_time_expired.decision_id.policy_id, other)
        self.assertEqual(self.case_time_expired.warranty_status, "eligible")
        self.assertEqual((old_decision.policy_id, old_decision.outcome), (self.policy, "no_eligible"))

    def test_only_warranty_managers_simulate_and_only_administrators_activate(self):
        draft = self._changed_draft()
        for user in (self.user, self.approver, self.integration, self.outsider):
            with self.assertRaises(AccessError):
                draft.with_user(user).simulate(*self.period)
            with self.assertRaises(AccessError):
                self.env["postventa.warranty.simulation"].with_user(user).create({"policy_id": draft.id})
        for user in (self.user, self.manager):
            with self.assertRaises(AccessError):
                draft.with_user(user).action_activate()
            with self.assertRaises(AccessError):
                draft.with_user(user).action_open_activation()
        # a context key is not a permission
        with self.assertRaises(AccessError):
            draft.with_user(self.user).with_context(active_test=False, force_simulation=True).simulate(*self.period)
        self.assertEqual(draft.state, "draft")
        self.assertTrue(draft.with_user(self.admin).simulate(*self.period)["cases"])
