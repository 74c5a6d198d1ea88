from datetime import timedelta

from odoo import api, fields, models


class PostventaWhatsappReply(models.TransientModel):
    """"Reply on WhatsApp" from a case: what the staff member writes goes to the chatter at once and to the
    customer through the bridge's WhatsApp outbox (docs/whatsapp.md, "Replies from Odoo")."""

    _name = "postventa.whatsapp.reply"
    _description = "Reply on WhatsApp"

    case_id = fields.Many2one("postventa.case", required=True, ondelete="cascade")
    whatsapp_contact = fields.Char(related="case_id.whatsapp_contact", string="WhatsApp")
    partner_id = fields.Many2one(related="case_id.partner_id", string="Customer")
    body = fields.Text(string="Message", required=True)
    window_note = fields.Char(string="Delivery", compute="_compute_window_note")

    @api.depends("case_id.whatsapp_last_inbound_at")
    def _compute_window_note(self):
        now = fields.Datetime.now()
        for wizard in self:
            last = wizard.case_id.whatsapp_last_inbound_at
            if last and now - last < timedelta(hours=24):
                wizard.window_note = self.env._("The customer wrote within the last 24 hours: the message goes "
                                                "out as it is.")
            else:
                wizard.window_note = self.env._("The customer has not written in the last 24 hours: WhatsApp only "
                                                "lets the approved reply template through; without one the message "
                                                "waits until the customer writes again.")

    def action_send(self):
        """Post the reply in the chatter and queue it for the bridge (after-sales staff who may edit the case)."""
        for wizard in self:
            wizard.case_id._whatsapp_request_reply(wizard.body)
        return {"type": "ir.actions.act_window_close"}
