import json
import uuid

from odoo.tests import tagged

from .common import PostventaCommon, load_schema, schema_problems


@tagged("post_install", "-at_install")
class TestEvents(PostventaCommon):
    def _schema(self, event_type):
        return load_schema(f"postventa/schemas/events/{event_type}.json")

    def test_every_emitted_event_matches_its_schema(self):
        eligible = self._create_case(self._create_vehicle(), self.fault_electrical, whatsapp_contact="+5215511112222")
        review = self._create_case(self._create_vehicle(months_ago=None), self.fault_electrical)
        (eligible | review).action_evaluate_warranty()
        eligible.action_done()
        events = self.env["postventa.event"].search([("res_model", "=", "postventa.case"),
                                                     ("res_id", "in", (eligible | review).ids)])
        self.assertEqual(
            sorted(events.mapped("event_type")),
            ["service.done", "warranty.decided", "warranty.decided", "warranty.opened"],
        )
        vehicle_events = self.env["postventa.event"].search([("event_type", "=", "vehicle.delivered")], limit=5)
        self.assertTrue(vehicle_events)
        for event in events | vehicle_events:
            envelope = json.loads(json.dumps(event._to_cloudevent()))  # exactly what JSON-2 sends
            self.assertEqual(schema_problems(self._schema(event.event_type), envelope), [], event.event_type)
            self.assertEqual(str(uuid.UUID(envelope["id"])), envelope["id"])
        decided = events.filtered(lambda e: e.event_type == "warranty.decided" and e.res_id == eligible.id)
        self.assertEqual(decided.subject, f"case/{eligible.name}")
        self.assertEqual(decided.data["outcome"], "eligible")

    def test_events_are_written_in_the_same_transaction(self):
        case = self._create_case(self._create_vehicle(), self.fault_electrical)
        Event = self.env["postventa.event"]
        before = Event.search_count([])
        with self.assertRaises(ZeroDivisionError), self.env.cr.savepoint():
            case.action_evaluate_warranty()
            raise ZeroDivisionError  # the business change fails after the evaluation
        self.assertEqual(Event.search_count([]), before)
        self.assertEqual(case.warranty_status, "pending")

    def test_outbox_pull_and_delivery_report(self):
        case = self._create_case(self._create_vehicle(), self.fault_electrical)
        Event = self.env["postventa.event"].with_user(self.integration)
        last = Event.sudo().search([], order="id desc", limit=1).id
        case.action_evaluate_warranty()
        pulled = Event.bridge_pull(after_id=last)
        self.assertEqual([p["event"]["type"] for p in pulled], ["warranty.decided", "warranty.opened"])
        self.assertEqual(pulled, sorted(pulled, key=lambda p: p["outbox_id"]))
        self.assertEqual(Event.bridge_pull(after_id=pulled[-1]["outbox_id"]), [])
        again = Event.bridge_pull(after_id=last)
        self.assertEqual([p["event"]["id"] for p in again], [p["event"]["id"] for p in pulled])
        updated = Event.bridge_report_delivery([
            {"event_id": pulled[0]["event"]["id"], "state": "delivered", "attempts": 1},
            {"event_id": pulled[1]["event"]["id"], "state": "failed", "attempts": 3, "last_error": "HTTP 500"},
            {"event_id": str(uuid.uuid4()), "state": "delivered"},
        ])
        self.assertEqual(updated, 2)
        rows = Event.sudo().browse([p["outbox_id"] for p in pulled])
        self.assertEqual(rows.mapped("state"), ["delivered", "failed"])
        self.assertEqual(rows[1].last_error, "HTTP 500")
