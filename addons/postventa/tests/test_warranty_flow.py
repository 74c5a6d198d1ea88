from dateutil.relativedelta import relativedelta

from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import PostventaCommon


@tagged("post_install", "-at_install")
class TestWarrantyFlow(PostventaCommon):
    def test_evidence_checklist_follows_the_fault(self):
        case = self._create_case(self._create_vehicle(), self.fault_engine, evidence_provided=False)
        self.assertEqual(set(case.evidence_ids.mapped("code")), {"odometer_photo", "noise_video"})
        self.assertEqual(case.state, "evidence")
        self.assertFalse(case.evidence_complete)
        case.evidence_ids.filtered(lambda e: e.code == "odometer_photo").provided = True
        self.assertFalse(case.evidence_complete)
        self.assertIn(self.ev_noise.name, case.evidence_missing)
        case.fault_id = self.fault_electrical
        self.assertEqual(case.evidence_ids.mapped("code"), ["odometer_photo"])
        self.assertTrue(case.evidence_complete)
        self.assertTrue(case.is_ready)

    def test_eligible_opens_a_ticket_with_the_fault_and_attachments(self):
        case = self._create_case(self._create_vehicle(months_ago=12), self.fault_electrical, km=20_000)
        attachment = self.env["ir.attachment"].create(
            {"name": "tablero.jpg", "raw": b"jpeg bytes", "res_model": case._name, "res_id": case.id}
        )
        case.with_user(self.user).action_evaluate_warranty()
        self.assertEqual(case.warranty_status, "eligible")
        self.assertEqual(case.state, "in_progress")
        decision = case.decision_id
        self.assertEqual((decision.outcome, decision.coverage_code), ("eligible", "basic"))
        self.assertEqual(decision.user_id, self.user)
        self.assertEqual(decision.inputs["odometer_km"], 20_000)
        self.assertEqual(decision.policy_version, "2026.1")
        ticket = case.ticket_id
        self.assertTrue(ticket.name.startswith("GT/"))
        self.assertEqual((ticket.fault_code, ticket.labor_hours, ticket.coverage_code), ("T-ELE-1", 2.0, "basic"))
        self.assertEqual(ticket.attachment_ids, attachment)
        # The catalog's lines are a starting point: the manager replaces them.
        ticket.line_ids = [
            (5, 0, 0),
            (0, 0, {"line_type": "part", "description": "Alternador", "quantity": 1, "unit_cost": 4200.0}),
            (0, 0, {"line_type": "labor", "description": "Mano de obra", "quantity": 2, "unit_cost": 650.0}),
        ]
        self.assertEqual((ticket.parts_cost, ticket.labor_cost, ticket.total_cost), (4200.0, 1300.0, 5500.0))
        # The intake reading joins the vehicle's history.
        self.assertEqual(case.vehicle_id.odometer_km, 20_000)
        # Re-evaluating with new inputs logs a new decision but does not open a second ticket.
        case.odometer_km = 21_000
        case.action_evaluate_warranty()
        self.assertEqual(len(case.decision_ids), 2)
        self.assertEqual(len(case.ticket_ids), 1)

    def test_review_schedules_an_activity_for_the_warranty_manager(self):
        case = self._create_case(self._create_vehicle(months_ago=None), self.fault_electrical)
        case.action_evaluate_warranty()
        self.assertEqual(case.warranty_status, "review")
        self.assertIn("delivery_date_unknown", case.decision_id.reason_codes)
        activity = case.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertIn(activity.user_id.id, self.env.ref("postventa.group_postventa_warranty_manager").all_user_ids.ids)
        self.assertIn(case.name, activity.summary)
        self.assertFalse(case.ticket_ids)

    def test_no_eligible_leaves_the_case_ready_for_spare_parts(self):
        vehicle = self._create_vehicle(months_ago=37)
        case = self._create_case(vehicle, self.fault_electrical, km=30_000)
        case.action_evaluate_warranty()
        self.assertEqual((case.warranty_status, case.state), ("no_eligible", "evaluated"))
        self.assertEqual(case.decision_id.reasons[0]["code"], "time_exceeded")
        self.assertIn("venció", case.decision_reasons)
        self.assertFalse(case.ticket_ids)
        self.assertFalse(case.activity_ids)

    def test_boundaries_through_the_orm(self):
        last_day = self._last_covered_delivery(36)
        exactly = self._create_vehicle(months_ago=None, delivery_date=last_day)
        self._create_case(exactly, self.fault_electrical, km=60_000).action_evaluate_warranty()
        one_day_more = self._create_vehicle(months_ago=None, delivery_date=last_day - relativedelta(days=1))
        late = self._create_case(one_day_more, self.fault_electrical, km=1_000)
        late.action_evaluate_warranty()
        one_km_more = self._create_case(self._create_vehicle(months_ago=12), self.fault_electrical, km=60_001)
        one_km_more.action_evaluate_warranty()
        self.assertEqual(exactly.case_ids.warranty_status, "eligible")
        self.assertEqual(late.warranty_status, "no_eligible")
        self.assertEqual(one_km_more.decision_id.reason_codes, "km_exceeded")

    def test_hybrid_and_wear_items(self):
        hybrid = self._create_vehicle(months_ago=70, powertrain="hybrid")
        gasoline = self._create_vehicle(months_ago=70)
        on_hybrid = self._create_case(hybrid, self.fault_hybrid, km=150_000)
        on_gasoline = self._create_case(gasoline, self.fault_hybrid, km=150_000)
        wear = self._create_case(self._create_vehicle(months_ago=2), self.fault_wear, km=3_000)
        (on_hybrid | on_gasoline | wear).action_evaluate_warranty()
        self.assertEqual((on_hybrid.warranty_status, on_hybrid.decision_id.coverage_code), ("eligible", "hybrid"))
        # a hybrid-system fault on a car recorded as gasoline: contradictory facts go to a person
        self.assertEqual(on_gasoline.decision_id.reason_codes, "powertrain_mismatch")
        self.assertEqual(wear.decision_id.reason_codes, "wear_item_excluded")

    def test_contradictory_odometer_goes_to_review_and_is_not_recorded(self):
        vehicle = self._create_vehicle(months_ago=20, readings=[(self.today - relativedelta(months=2), 40_000)])
        case = self._create_case(vehicle, self.fault_electrical, km=30_000)
        case.action_evaluate_warranty()
        self.assertEqual(case.warranty_status, "review")
        self.assertEqual(case.decision_id.reason_codes, "odometer_inconsistent")
        self.assertEqual(vehicle.odometer_km, 40_000)

    def test_closed_cases_cannot_be_evaluated_and_timestamps_are_kept(self):
        case = self._create_case(self._create_vehicle(), self.fault_electrical)
        case.action_evaluate_warranty()
        self.assertTrue(case.date_evaluated and case.date_in_progress)
        case.action_done()
        self.assertTrue(case.date_done)
        self.assertGreaterEqual(case.resolution_hours, 0.0)
        with self.assertRaises(UserError):
            case.action_evaluate_warranty()

    def test_cron_evaluates_only_ready_cases(self):
        ready = self._create_case(self._create_vehicle(), self.fault_electrical)
        waiting = self._create_case(self._create_vehicle(), self.fault_engine, evidence_provided=False)
        no_fault = self._create_case(self._create_vehicle(), None)
        self.env["postventa.case"]._cron_evaluate_ready_cases()
        self.assertEqual(ready.warranty_status, "eligible")
        self.assertEqual((waiting.warranty_status, waiting.state), ("pending", "evidence"))
        self.assertEqual(no_fault.warranty_status, "pending")

    def test_form_flow_as_a_user(self):
        vehicle = self._create_vehicle()
        with Form(self.env["postventa.case"].with_user(self.user)) as form:
            form.partner_id = self.partner
            form.vehicle_id = vehicle
            form.fault_id = self.fault_electrical
            form.odometer_km = 5_000
            form.description = "Se prende el testigo de batería"
        case = form.record
        self.assertTrue(case.name.startswith("PV/"))
        self.assertEqual(case.evidence_ids.mapped("code"), ["odometer_photo"])
        case.with_user(self.user).action_mark_evidence_provided()
        case.with_user(self.user).action_evaluate_warranty()
        self.assertEqual(case.warranty_status, "eligible")

    def test_references_are_unique_and_consecutive_in_a_batch(self):
        Case = self.env["postventa.case"]
        before = self.today
        cases = Case.create([{"partner_id": self.partner.id} for _i in range(5)])
        numbers = [int(name.rsplit("/", 1)[1]) for name in cases.mapped("name")]
        self.assertEqual(numbers, list(range(numbers[0], numbers[0] + 5)))
        # the prefix is the year at the moment of numbering (one moment for a batch), even across New Year
        (year,) = {name.split("/")[1] for name in cases.mapped("name")}
        self.assertIn(int(year), {before.year, self.today.year})
        # a dealer who wants gapless numbering gets it, one number at a time
        self.env.ref("postventa.seq_postventa_case").write({"implementation": "no_gap", "number_next": numbers[-1] + 1})
        more = Case.create([{"partner_id": self.partner.id} for _i in range(3)])
        more_numbers = [int(name.rsplit("/", 1)[1]) for name in more.mapped("name")]
        self.assertEqual(more_numbers, list(range(numbers[-1] + 1, numbers[-1] + 4)))
