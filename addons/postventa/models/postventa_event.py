import uuid
from datetime import UTC, datetime

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..engine import trace


def precise_now():
    """Now, naive UTC as Odoo stores it, keeping the microseconds ``fields.Datetime.now`` drops. For the
    stamps the case timeline orders against the bridge's (Postgres, microseconds): a step stamped to the
    second would sort before everything the bridge did earlier in that same second."""
    return datetime.now(UTC).replace(tzinfo=None)

EVENT_TYPES = [
    ("vehicle.delivered", "vehicle.delivered"),
    ("warranty.decided", "warranty.decided"),
    ("warranty.opened", "warranty.opened"),
    ("quote.requested", "quote.requested"),
    ("quote.created", "quote.created"),
    ("quote.approved", "quote.approved"),
    ("quote.accepted", "quote.accepted"),
    ("service.due", "service.due"),
    ("service.done", "service.done"),
    ("case.handoff", "case.handoff"),
]
SOURCE = "urn:postventa:odoo"


class PostventaEvent(models.Model):
    """Transactional outbox: written in the same transaction as the business change, pulled by the bridge."""

    _name = "postventa.event"
    _description = "Outbox Event"
    _order = "id desc"
    _rec_name = "event_type"

    event_uuid = fields.Char(string="Event ID", required=True, readonly=True, index=True, copy=False)
    event_type = fields.Selection(EVENT_TYPES, string="Type", required=True, readonly=True, index=True)
    subject = fields.Char(readonly=True, index=True, help="Ordering key: case/<ref> or vehicle/<VIN>.")
    time = fields.Datetime(required=True, readonly=True, default=lambda self: precise_now())
    data = fields.Json(readonly=True)
    res_model = fields.Char(string="Document Model", readonly=True)
    res_id = fields.Many2oneReference(string="Document", model_field="res_model", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True, index=True, default=lambda self: self.env.company)
    state = fields.Selection(
        [("pending", "Pending"), ("delivered", "Delivered"), ("failed", "Failing"), ("dead", "Dead letter")],
        default="pending",
        required=True,
        index=True,
    )
    attempts = fields.Integer(readonly=True)
    last_error = fields.Char(readonly=True)
    delivered_at = fields.Datetime(readonly=True)
    traceparent = fields.Char(
        readonly=True, copy=False,
        help="W3C Trace Context of the case the event belongs to (CloudEvents distributed-tracing extension).",
    )

    _uuid_uniq = models.Constraint("UNIQUE(event_uuid)", "Event ids are unique.")

    @api.model
    def _subject_for(self, record):
        if record._name == "postventa.case":
            return f"case/{record.neon_id or record.name}"
        if record._name == "postventa.vehicle":
            return f"vehicle/{record.vin}"
        case = record["case_id"] if "case_id" in record._fields else False
        if case:
            return self._subject_for(case)
        return f"{record._name}/{record.id}"

    @api.model
    def _emit(self, event_type, record, data):
        """Write one outbox event for ``record`` (same transaction as the caller's change)."""
        return self._emit_many([(event_type, record, data)])

    @api.model
    def _emit_many(self, items):
        """Batch form of :meth:`_emit`: ``items`` is a list of ``(event_type, record, data)``."""
        vals_list = [
            {
                "event_uuid": str(uuid.uuid4()),
                "event_type": event_type,
                "subject": self._subject_for(record),
                "data": data,
                "res_model": record._name,
                "res_id": record.id,
                "company_id": (record.company_id.id if "company_id" in record._fields else False)
                or self.env.company.id,
                "traceparent": trace.traceparent(self._trace_id_for(record)),
            }
            for event_type, record, data in items
        ]
        return self.sudo().create(vals_list)

    @api.model
    def _trace_id_for(self, record):
        """The case's trace id (one per case, end to end), or None for events of no case."""
        case = record if record._name == "postventa.case" else (
            record["case_id"] if "case_id" in record._fields else (
                record["postventa_case_id"] if "postventa_case_id" in record._fields else False))
        if not case:
            return None
        return trace.case_trace_id(case.neon_id) if case.neon_id else trace.odoo_case_trace_id(case.id)

    def _to_cloudevent(self):
        self.ensure_one()
        event = {
            "specversion": "1.0",
            "id": self.event_uuid,
            "type": self.event_type,
            "source": SOURCE,
            "subject": self.subject,
            "time": self.time.isoformat(timespec="microseconds") + "Z",
            "datacontenttype": "application/json",
            "data": self.data or {},
        }
        if self.traceparent:
            event["traceparent"] = self.traceparent
        return event

    @api.model
    def bridge_pull(self, after_id=0, limit=500):
        """Outbox rows after ``after_id`` in id order, as CloudEvents (JSON-2, for the bridge)."""
        self.env["postventa.case"]._check_bridge_access()
        if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in (after_id, limit)):
            raise ValidationError(self.env._("after_id and limit must be non-negative integers."))
        limit = max(1, min(limit, 5000))
        events = self.sudo().search([("id", ">", after_id)], order="id", limit=limit)
        return [{"outbox_id": event.id, "event": event._to_cloudevent()} for event in events]

    @api.model
    def bridge_report_delivery(self, updates):
        """Delivery state reported back by the bridge, so failures are visible here."""
        self.env["postventa.case"]._check_bridge_access()
        if not isinstance(updates or [], list) or not all(isinstance(u, dict) for u in updates or []):
            raise ValidationError(self.env._("updates must be a list of objects."))
        by_uuid = {u.get("event_id"): u for u in updates or [] if isinstance(u.get("event_id"), str)}
        events = self.sudo().search([("event_uuid", "in", list(by_uuid))])
        valid_states = {"pending", "delivered", "failed", "dead"}
        for event in events:
            update = by_uuid[event.event_uuid]
            state = update.get("state")
            attempts = update.get("attempts")
            vals = {
                "attempts": attempts if isinstance(attempts, int) and not isinstance(attempts, bool) and attempts >= 0
                else event.attempts,
                "last_error": str(update.get("last_error") or "")[:500] or False,
            }
            if state in valid_states:
                vals["state"] = state
                if state == "delivered":
                    vals["delivered_at"] = fields.Datetime.now()
            event.write(vals)
        return len(events)

    def action_open_document(self):
        self.ensure_one()
        return {"type": "ir.actions.act_window", "res_model": self.res_model, "res_id": self.res_id,
                "view_mode": "form"}
