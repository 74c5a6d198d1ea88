from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import FollowupCommon


@tagged("post_install", "-at_install")
class TestReplies(FollowupCommon):
    """Customer answers arriving from the bridge (``postventa.agent.bridge_followup_reply``)."""

    def setUp(self):
        super().setUp()
        self.customer = self._customer()
        self.number = self.customer.postventa_contact_ids.name
        self.bridge = self.agent.with_user(self.integration)

    def _closed_visit(self):
        car = self._vehicle(self.customer, days_ago=300, readings=[(200, 5000)])
        visit = self.env["postventa.service.visit"].create({"vehicle_id": car.id, "odometer_km": 12000,
                                                            "date": self.local_today})
        visit.action_done()
        return visit

    def test_only_the_integration_user_may_call_and_input_is_checked(self):
        for user in (self.user, self.manager):
            with self.assertRaises(AccessError):
                self.agent.with_user(user).bridge_followup_reply(contact=self.number, kind="consent", opted_in=False)
        with self.assertRaises(ValidationError):
            self.bridge.bridge_followup_reply(contact="not a number", kind="consent", opted_in=False)
        with self.assertRaises(ValidationError):
            self.bridge.bridge_followup_reply(contact=self.number, kind="delete_everything")
        with self.assertRaises(ValidationError):
            self.bridge.bridge_followup_reply(contact=self.number, kind="consent", opted_in="no")
        with self.assertRaises(ValidationError):
            self.bridge.bridge_followup_reply(contact=self.number, kind="csat", visit_id="1; drop", score=3)

    def test_baja_stops_every_agent_and_alta_restarts(self):
        taxi = self._vehicle(self.customer, days_ago=100, readings=[(60, 4000), (5, 9500)])
        result = self.bridge.bridge_followup_reply(contact=f"whatsapp:{self.number}", kind="consent", opted_in=False)
        self.assertEqual(result, {"changed": True})
        self.assertEqual(self.customer.postventa_followup_consent, "opted_out")
        self._run()
        self.assertFalse(self._events_for(taxi, "followup.sent"))
        self.bridge.bridge_followup_reply(contact=self.number, kind="consent", opted_in=True)
        self.assertEqual(self.customer.postventa_followup_consent, "opted_in")
        self._run()
        self.assertEqual(len(self._events_for(taxi, "followup.sent")), 1)

    def test_low_score_lands_on_the_visit_with_a_recovery_activity_and_an_event(self):
        visit = self._closed_visit()
        self.company.postventa_followup_manager_id = self.manager
        result = self.bridge.bridge_followup_reply(contact=self.number, kind="csat", visit_id=visit.id, score=2)
        self.assertEqual(result, {"visit": visit.name, "score": 2, "duplicate": False})
        self.assertEqual(visit.csat_score, "2")
        activity = visit.activity_ids
        self.assertEqual(activity.user_id, self.manager)
        event = self._events_for(visit, "csat.received")
        self.assertEqual((event.data["score"], event.data["recovery"]), (2, True))
        self._assert_schema(event)
        again = self.bridge.bridge_followup_reply(contact=self.number, kind="csat", visit_id=visit.id, score=5)
        self.assertTrue(again["duplicate"])
        self.assertEqual(len(self._events_for(visit, "csat.received")), 1)
        self.assertEqual(visit.csat_score, "2")

    def test_good_score_no_activity_and_strangers_cannot_rate(self):
        visit = self._closed_visit()
        stranger = self._customer().postventa_contact_ids.name
        with self.assertRaises(ValidationError):
            self.bridge.bridge_followup_reply(contact=stranger, kind="csat", visit_id=visit.id, score=1)
        with self.assertRaises(ValidationError):
            self.bridge.bridge_followup_reply(contact=self.number, kind="csat", visit_id=visit.id, score=6)
        self.bridge.bridge_followup_reply(contact=self.number, kind="csat", visit_id=visit.id, score=5)
        self.assertFalse(visit.activity_ids)
        self.assertFalse(self._events_for(visit, "csat.received").data["recovery"])

    def test_agendar_schedules_the_advisor_and_ya_lo_hice_moves_to_the_next_milestone(self):
        self.company.postventa_followup_advisor_id = self.user
        taxi = self._vehicle(self.customer, days_ago=100, readings=[(60, 4000), (5, 9500)])
        self.bridge.bridge_followup_reply(contact=self.number, kind="schedule", vehicle_id=taxi.id,
                                          milestone_km=10000, text="agendar el sábado a las 10")
        activity = taxi.activity_ids
        self.assertEqual(activity.user_id, self.user)
        self.assertIn("sábado a las 10", activity.note)
        again = self.bridge.bridge_followup_reply(contact=self.number, kind="schedule", vehicle_id=taxi.id,
                                                  milestone_km=10000, text="agendar el sábado a las 10")
        self.assertEqual(again, {"duplicate": True})
        self.assertEqual(len(taxi.activity_ids), 1)
        self.bridge.bridge_followup_reply(contact=self.number, kind="already_done", vehicle_id=taxi.id,
                                          milestone_km=10000)
        reported = self.env["postventa.service.visit"].search([("vehicle_id", "=", taxi.id)])
        self.assertEqual((reported.service_type, reported.state), ("customer_reported", "done"))
        self._run()
        self.assertFalse(self._events_for(taxi, "service.due"), "10,000 done; 20,000 is not due yet")
        other = self._vehicle(self._customer(), days_ago=10)
        with self.assertRaises(ValidationError):
            self.bridge.bridge_followup_reply(contact=self.number, kind="schedule", vehicle_id=other.id,
                                              milestone_km=10000)
