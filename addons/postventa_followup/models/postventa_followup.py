from odoo import fields, models

AGENTS = [("maintenance", "Maintenance"), ("csat", "Service CSAT"), ("revenue", "Revenue")]


class PostventaFollowup(models.Model):
    """Ledger of what the follow-up agents did: the unique key makes every action happen once."""

    _name = "postventa.followup"
    _description = "Follow-up Action"
    _order = "id desc"

    name = fields.Char(string="Key", required=True, readonly=True, index=True,
                       help="e.g. reminder:<vehicle>:20000 or csat:<visit>: an action with a key already here is "
                       "never done again.")
    agent = fields.Char(required=True, readonly=True, index=True)
    kind = fields.Char(readonly=True, help="Message kind, or the event type when no message was sent.")
    event_type = fields.Char(readonly=True)
    contact = fields.Char(string="WhatsApp", readonly=True, index="btree_not_null")
    channel = fields.Selection([("text", "Free text (24-hour window)"), ("template", "Approved template")],
                               readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True, index="btree_not_null")
    event_id = fields.Many2one("postventa.event", string="Outbox Event", readonly=True)
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now, index=True)
    company_id = fields.Many2one("res.company", readonly=True, default=lambda self: self.env.company)

    _name_uniq = models.Constraint("UNIQUE(name)", "A follow-up action is done only once.")
    _cap_idx = models.Index("(contact, date) WHERE channel IS NOT NULL")
