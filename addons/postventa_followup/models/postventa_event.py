from odoo import api, fields, models

FOLLOWUP_TYPES = [
    ("csat.received", "csat.received"),
    ("followup.sent", "followup.sent"),
    ("quote.expired", "quote.expired"),
]


class PostventaEvent(models.Model):
    _inherit = "postventa.event"

    event_type = fields.Selection(selection_add=FOLLOWUP_TYPES, ondelete={t: "cascade" for t, _ in FOLLOWUP_TYPES})

    @api.model
    def _emit_many(self, items):
        # With follow-up agents installed, the CSAT question after a closed case comes from the CSAT agent
        # (a few hours later, quiet hours and consent respected), not straight from the bridge.
        tagged = [
            (t, r, dict(d or {}, csat="agent") if t == "service.done" else d) for t, r, d in items
        ]
        return super()._emit_many(tagged)
