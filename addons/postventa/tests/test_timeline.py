from odoo.exceptions import AccessError
from odoo.tests import tagged

from ..engine import trace
from .common import PostventaCommon


@tagged("post_install", "-at_install")
class TestTimelineTab(PostventaCommon):
    def test_case_tab_lists_its_steps_and_events_carry_its_trace(self):
        case = self._create_case(self._create_vehicle(), self.fault_electrical, neon_id=88001)
        case.action_evaluate_warranty()
        self.env.flush_all()
        self.assertEqual(case.trace_id, trace.case_trace_id(88001))
        html = case.with_user(self.user).timeline_html
        for text in ("case.created", "warranty.decision", "ticket.opened", "event.emitted", "warranty.decided",
                     case.ticket_id.name):
            self.assertIn(text, html)
        events = self.env["postventa.event"].search([("res_model", "=", "postventa.case"), ("res_id", "=", case.id)])
        self.assertTrue(events)
        self.assertEqual({e._to_cloudevent()["traceparent"].split("-")[1] for e in events}, {case.trace_id})

    def test_odoo_stamps_keep_the_sub_second_order_the_bridge_merges_on(self):
        """The merged timeline sorts Odoo's steps among the bridge's (microseconds): a state change and an
        event stamped to the second sorted before everything that happened earlier in that second (the e2e
        timeline saw warranty.decided ahead of the customer's first message)."""
        case = self._create_case(self._create_vehicle(), self.fault_electrical, neon_id=88002)
        Event = self.env["postventa.event"]
        first = Event._emit("quote.requested", case, {})
        case.write({"state": "cancelled"})
        second = Event._emit("quote.requested", case, {})
        self.assertLess(first.time, case.date_cancelled)
        self.assertLess(case.date_cancelled, second.time)
        self.assertTrue(first._to_cloudevent()["time"].endswith("Z"))

    def test_back_office_cases_have_a_trace_too_and_outsiders_see_nothing(self):
        case = self._create_case(self._create_vehicle(), self.fault_electrical)
        self.assertEqual(case.trace_id, trace.odoo_case_trace_id(case.id))
        with self.assertRaises(AccessError):
            case.with_user(self.outsider)._timeline_steps()
        with self.assertRaises(AccessError):
            self.env["postventa.case"].with_user(self.user).bridge_case_timeline(88001)
