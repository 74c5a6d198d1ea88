from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import PostventaPurchaseCommon, load_schema, schema_problems


@tagged("post_install", "-at_install")
class TestCaseTimeline(PostventaPurchaseCommon):
    def test_whatsapp_case_to_purchase_order_is_one_ordered_trace(self):
        case = self._no_eligible_case(neon_id=91601)
        order = case.with_user(self.user)._postventa_create_quotes(preference="best").with_user(self.env.user)
        order.with_user(self.approver).action_postventa_approve()
        self.assertTrue(self.env["postventa.case"].with_user(self.integration).bridge_accept_quote(91601)["accepted"])
        self.assertTrue(case.postventa_purchase_ids)
        self.env.flush_all()

        timeline = self.env["postventa.case"].with_user(self.integration).bridge_case_timeline(91601)
        self.assertEqual(timeline["odoo_id"], case.id)
        self.assertEqual(timeline["trace_id"], case.trace_id)
        steps = timeline["steps"]
        self.assertEqual([s["at"] for s in steps], sorted(s["at"] for s in steps))
        self.assertEqual({s["system"] for s in steps}, {"odoo"})
        kinds = [s["kind"] for s in steps]
        for kind in ("case.created", "warranty.decision", "quote.created", "quote.approved", "quote.accepted",
                     "purchase.order"):
            self.assertIn(kind, kinds)
        first = {kind: kinds.index(kind) for kind in reversed(kinds)}
        self.assertLess(first["case.created"], first["warranty.decision"])
        self.assertLess(first["warranty.decision"], first["quote.created"])
        self.assertLessEqual(first["quote.created"], first["quote.approved"])
        self.assertLessEqual(first["quote.approved"], first["quote.accepted"])
        decision = steps[first["warranty.decision"]]
        self.assertIn("no_eligible", decision["detail"])
        self.assertIn(case.decision_id.reason_text.splitlines()[0], decision["detail"])
        self.assertEqual(kinds.count("purchase.order"), len(case.postventa_purchase_ids))

        # every outbox event of the case carries the same trace (CloudEvents distributed tracing)
        events = self.env["postventa.event"].search([("res_model", "=", "postventa.case"), ("res_id", "=", case.id)])
        self.assertGreaterEqual(set(events.mapped("event_type")),
                                {"warranty.decided", "quote.created", "quote.approved", "quote.accepted"})
        for event in events:
            envelope = event._to_cloudevent()
            self.assertEqual(envelope["traceparent"].split("-")[1], timeline["trace_id"], event.event_type)
            schema = load_schema(f"postventa/schemas/events/{event.event_type}.json")
            self.assertEqual(schema_problems(schema, envelope), [], event.event_type)
        self.assertEqual(len(set(events.mapped("traceparent"))), len(events), "one span per event")

    def test_only_the_integration_user_reads_a_timeline_over_json2(self):
        self._no_eligible_case(neon_id=91602)
        for user in (self.user, self.manager, self.approver):
            with self.assertRaises(AccessError):
                self.env["postventa.case"].with_user(user).bridge_case_timeline(91602)
        cases = self.env["postventa.case"].with_user(self.integration)
        unknown = cases.bridge_case_timeline(99999991)
        self.assertEqual((unknown["odoo_id"], unknown["steps"]), (None, []))
        for bad in ("x", 0, -1, None):  # "= 0" would match every case without a Neon id
            self.assertEqual(cases.bridge_case_timeline(bad)["steps"], [], bad)
