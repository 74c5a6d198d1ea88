from odoo import fields, models

from ..models.sale_order import PART_PREFERENCES


class PostventaQuoteWizard(models.TransientModel):
    _name = "postventa.quote.wizard"
    _description = "Create Spare-Parts Quote"

    case_ids = fields.Many2many("postventa.case", string="Cases", required=True)
    preference = fields.Selection(
        PART_PREFERENCES, string="Parts Preference", required=True, default="best",
        help="Toyota genuine, aftermarket equivalents, or whichever the SLA logic finds best.",
    )

    def action_create(self):
        self.ensure_one()
        orders = self.case_ids._postventa_create_quotes(preference=self.preference, channel="odoo")
        return self.case_ids[:1]._postventa_open(orders, "sale.order")
