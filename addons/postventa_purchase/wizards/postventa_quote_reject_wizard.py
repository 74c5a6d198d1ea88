from odoo import fields, models


class PostventaQuoteRejectWizard(models.TransientModel):
    _name = "postventa.quote.reject.wizard"
    _description = "Reject Spare-Parts Quote"

    order_ids = fields.Many2many("sale.order", string="Quotes", required=True)
    reason = fields.Text(required=True)

    def action_reject(self):
        self.ensure_one()
        self.order_ids._postventa_reject(self.reason)
        return {"type": "ir.actions.act_window_close"}
