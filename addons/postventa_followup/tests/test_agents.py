from datetime import timedelta

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import FollowupCommon


@tagged("post_install", "-at_install")
class TestMaintenanceAgent(FollowupCommon):
    def test_taxi_is_reminded_by_its_km_rate_and_weekend_car_is_not_yet(self):
        taxi = self._vehicle(self._customer(), days_ago=100, readings=[(60, 4000), (5, 9500)], model="Hilux")
        weekend = self._vehicle(self._customer(), days_ago=100, readings=[(60, 400), (5, 950)])
        result = self._run()
        self.assertGreaterEqual(result["maintenance"], 2)
        due = self._events_for(taxi, "service.due")
        self.assertEqual(len(due), 1)
        self.assertEqual(due.data["milestone_km"], 10000)
        self.assertEqual(due.data["due_by"], "km")
        self.assertAlmostEqual(due.data["km_per_day"], 100.0, delta=1)
        sent = self._events_for(taxi, "followup.sent")
        self.assertEqual(sent.data["kind"], "service_due")
        self.assertEqual(sent.data["channel"], "template")  # never wrote to us: outside the 24-hour window
        self.assertEqual(sent.data["remember"]["followup"]["vehicle_id"], taxi.id)
        self._assert_schema(due | sent)
        self.assertFalse(self._events_for(weekend, "service.due"), "10 km/day: due by time in ~80 days")

    def test_one_reminder_per_milestone_whatever_runs_twice(self):
        taxi = self._vehicle(self._customer(), days_ago=100, readings=[(60, 4000), (5, 9500)])
        self._run()
        second = self._run()
        self.assertEqual(second, {"maintenance": 0, "csat": 0, "revenue": 0})
        self.assertEqual(len(self._events_for(taxi, "service.due")), 1)
        self.assertEqual(len(self._events_for(taxi, "followup.sent")), 1)
        # the service is done at 10,100 km: the next milestone (20,000) is a new reminder later on
        visit = self.env["postventa.service.visit"].create({"vehicle_id": taxi.id, "odometer_km": 10100,
                                                            "date": self.local_today})
        visit.action_done()
        self._run()
        self.assertEqual([e.data["milestone_km"] for e in self._events_for(taxi, "service.due")], [10000],
                         "20,000 km is months away")

    def test_a_service_overdue_for_months_is_a_lapsed_customer_not_a_reminder(self):
        lapsed = self._vehicle(self._customer(), days_ago=400, readings=[(390, 100), (300, 1000)])
        self._run()
        self.assertFalse(self._events_for(lapsed, "service.due"))

    def test_schedule_is_data_per_model(self):
        self.env["postventa.maintenance.schedule"].create({"name": "Hilux severo", "model_name": "Hilux",
                                                           "interval_km": 5000, "interval_months": 3})
        hilux = self._vehicle(self._customer(), days_ago=30, readings=[(25, 500), (2, 4700)], model="Hilux")
        corolla = self._vehicle(self._customer(), days_ago=30, readings=[(25, 500), (2, 4700)])
        self._run()
        self.assertEqual(self._events_for(hilux, "service.due").data["milestone_km"], 5000)
        self.assertFalse(self._events_for(corolla, "service.due"))

    def test_opted_out_customer_gets_no_message_but_the_event_is_recorded(self):
        taxi = self._vehicle(self._customer(consent="opted_out"), days_ago=100, readings=[(60, 4000), (5, 9500)])
        self._run()
        self.assertEqual(len(self._events_for(taxi, "service.due")), 1)
        self.assertFalse(self._events_for(taxi, "followup.sent"))
        self.assertEqual(taxi.partner_id.postventa_followup_consent, "opted_out")
        # a customer without any WhatsApp contact gets no message either
        unknown = self._vehicle(self.env["res.partner"].create({"name": "Sin WhatsApp"}), days_ago=100,
                                readings=[(60, 4000), (5, 9500)])
        self._run()
        self.assertFalse(self._events_for(unknown, "followup.sent"))
        self.assertEqual(unknown.partner_id.postventa_followup_consent, "none")

    def test_quiet_hours_wait_for_the_morning(self):
        taxi = self._vehicle(self._customer(), days_ago=100, readings=[(60, 4000), (5, 9500)])
        self._run(hour=22)
        self.assertEqual(len(self._events_for(taxi, "service.due")), 1, "the event is not a message")
        self.assertFalse(self._events_for(taxi, "followup.sent"), "22:00 local: no message")
        self._run(hour=7, days=1)
        self.assertFalse(self._events_for(taxi, "followup.sent"), "07:00 local: no message")
        self._run(hour=9, days=1)
        self.assertEqual(len(self._events_for(taxi, "followup.sent")), 1)

    def test_frequency_cap_two_per_seven_days_per_customer(self):
        customer = self._customer()
        cars = [self._vehicle(customer, days_ago=100, readings=[(60, 4000), (5, 9500)]) for _ in range(3)]
        self._run()
        sent = [bool(self._events_for(car, "followup.sent")) for car in cars]
        self.assertEqual(sent.count(True), 2)
        self._run(days=3)
        self.assertEqual(sum(bool(self._events_for(car, "followup.sent")) for car in cars), 2, "still capped")
        self._run(days=8)
        self.assertTrue(all(self._events_for(car, "followup.sent") for car in cars), "the window moved on")

    def test_24_hour_window_free_text_inside_and_no_template_outside(self):
        customer = self._customer()
        contact = customer.postventa_contact_ids
        self.company.postventa_followup_template_kinds = "csat_request"
        taxi = self._vehicle(customer, days_ago=100, readings=[(60, 4000), (5, 9500)])
        self._run()
        self.assertFalse(self._events_for(taxi, "followup.sent"), "outside the window without a template")
        contact.sudo().write({"last_inbound_at": self._at_local(11)})
        self._run()
        sent = self._events_for(taxi, "followup.sent")
        self.assertEqual(sent.data["channel"], "text")

    def test_run_all_is_for_admins_and_the_integration_user(self):
        with self.assertRaises(AccessError):
            self.agent.with_user(self.user).run_all()
        result = self.agent.with_user(self.integration).run_all()
        self.assertEqual(set(result), {"maintenance", "csat", "revenue"})
        self.assertEqual(self.agent.with_user(self.integration).run_all(), {"maintenance": 0, "csat": 0, "revenue": 0})


@tagged("post_install", "-at_install")
class TestVisitsAndCsat(FollowupCommon):
    def test_closing_a_visit_records_km_emits_service_done_and_csat_waits_a_few_hours(self):
        customer = self._customer()
        car = self._vehicle(customer, days_ago=300, readings=[(200, 5000)])
        visit = self.env["postventa.service.visit"].create({"vehicle_id": car.id, "odometer_km": 12000,
                                                            "date": self.local_today})
        visit.action_done()
        self.assertEqual(car.odometer_km, 12000)
        done = self._events_for(visit, "service.done")
        self.assertEqual(done.data["odometer_km"], 12000)
        self.assertEqual(done.data["csat"], "agent")
        self._assert_schema(done)
        self.env.flush_all()
        visit.done_at = self._at_local(12) - timedelta(hours=1)
        self._run(hour=12)
        self.assertFalse(self._events_for(visit, "followup.sent"), "only one hour after closing")
        self._run(hour=16)
        ask = self._events_for(visit, "followup.sent")
        self.assertEqual(ask.data["kind"], "csat_request")
        self.assertEqual(ask.data["remember"], {"csat_visit_id": visit.id})
        self.assertTrue(visit.csat_requested_at)
        self._run(hour=17)
        self.assertEqual(len(self._events_for(visit, "followup.sent")), 1, "one CSAT question per visit")

    def test_closed_repair_case_counts_as_a_visit(self):
        case = self._create_case(self._vehicle(self._customer(), days_ago=300), self.fault_electrical)
        case.action_start()
        case.action_done()
        self.assertEqual(len(case.visit_ids), 1)
        self.assertEqual(case.visit_ids.service_type, "repair")
        self.assertEqual(self._events_for(case, "service.done").data["csat"], "agent")


@tagged("post_install", "-at_install")
class TestRevenueAgent(FollowupCommon):
    def test_basic_coverage_ending_within_30_days_gets_one_inspection_offer(self):
        ending = self._vehicle(self._customer(), days_ago=365 * 3 - 20, readings=[(30, 40000)])
        later = self._vehicle(self._customer(), days_ago=365 * 3 - 60, readings=[(30, 40000)])
        self._run()
        offer = self._events_for(ending, "followup.sent").filtered(lambda e: e.data["kind"] == "coverage_inspection")
        self.assertEqual(len(offer), 1)
        self._assert_schema(offer)
        self.assertFalse(self._events_for(later, "followup.sent").filtered(
            lambda e: e.data["kind"] == "coverage_inspection"))

    def test_approved_quote_reminded_after_3_days_and_expired_after_10(self):
        case = self._no_eligible_case(neon_id=99001, whatsapp_contact="+5215599990001")
        case.partner_id = self._customer()
        order = case._postventa_create_quotes()[:1]
        order.with_user(self.approver).action_postventa_approve()
        order.postventa_approved_date = self._at_local(12) - timedelta(days=2)
        self._run()
        self.assertFalse(self._events_for(order, "followup.sent"))
        self._run(days=2)
        reminder = self._events_for(order, "followup.sent")
        self.assertEqual(reminder.data["kind"], "quote_reminder")
        self.assertIn("/my/orders/", reminder.data["portal_url"])
        self._assert_schema(reminder)
        self._run(days=5)
        self.assertEqual(len(self._events_for(order, "followup.sent")), 1, "one reminder")
        self.assertIn(order.state, ("draft", "sent"))
        self._run(days=9)
        expired = self._events_for(order, "quote.expired")
        self.assertEqual(len(expired), 1)
        self.assertEqual(order.state, "cancel")
        self.assertTrue(order.postventa_expired_reason)
        self._assert_schema(expired)
        self._run(days=10)
        self.assertEqual(len(self._events_for(order, "quote.expired")), 1)

    def test_abandoned_intake_gets_one_nudge(self):
        case = self._create_case(None, self.fault_electrical, evidence_provided=False, neon_id=99002,
                                 whatsapp_contact="+5215599990002")
        self.assertEqual(self.env["postventa.whatsapp.contact"].search([("name", "=", "+5215599990002")]).consent,
                         "opted_in", "a customer who wrote to us on WhatsApp may be answered")
        self.assertFalse(case.evidence_complete)
        self.env.flush_all()
        self.env.cr.execute("UPDATE postventa_case SET write_date = %s WHERE id = %s",
                            (self._at_local(12) - timedelta(hours=2), case.id))
        self.env.invalidate_all()
        self._run()
        self.assertFalse(self._events_for(case, "followup.sent"), "two hours is not abandoned")
        self._run(days=1, hour=13)
        nudge = self._events_for(case, "followup.sent")
        self.assertEqual(nudge.data["kind"], "intake_nudge")
        self._run(days=2)
        self.assertEqual(len(self._events_for(case, "followup.sent")), 1)


@tagged("post_install", "-at_install")
class TestDemoData(FollowupCommon):
    def test_each_agent_fires_on_the_demo_data(self):
        visit = self.env.ref("postventa_followup.visit_corolla_juan", raise_if_not_found=False)
        if not visit:
            self.skipTest("database without demo data")
        self._run(days=1)  # tomorrow noon: whatever time the demo was loaded, the visit closed hours before
        taxi = self.env.ref("postventa_followup.vehicle_hilux_taxi")
        yaris = self.env.ref("postventa_followup.vehicle_yaris_ana")
        order = self.env["sale.order"].search(
            [("postventa_case_id", "=", self.env.ref("postventa.case_no_eligible_expired").id)], limit=1)
        keys = set(self._ledger("").mapped("name"))
        self.assertIn(f"reminder:{taxi.id}:10000", keys)
        self.assertIn(f"csat:{visit.id}", keys)
        self.assertTrue(any(k.startswith(f"coverage:{yaris.id}:basic:") for k in keys), keys)
        self.assertIn(f"quote_reminder:{order.id}", keys)
        maria = self.env.ref("postventa.vehicle_rav4_maria")
        self.assertEqual(maria.partner_id.postventa_followup_consent, "opted_out")
        self.assertFalse(self._events_for(maria, "followup.sent"), "María said baja")
