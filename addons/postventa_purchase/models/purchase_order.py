from odoo import api, fields, models


class PurchaseOrder(models.Model):
    _inherit = "purchase.order"

    postventa_case_id = fields.Many2one("postventa.case", index=True, readonly=True)
    postventa_sale_id = fields.Many2one("sale.order", string="Customer Quote", index=True, readonly=True)
    postventa_choice_ids = fields.Many2many(
        "postventa.supplier.choice", string="Why This Supplier", compute="_compute_postventa_choice_ids",
        groups="postventa.group_postventa_user",
        help="The SLA engine's choice for each part ordered here: offers considered, arrival vs promise, reason.",
    )

    @api.depends("postventa_sale_id.postventa_choice_ids", "partner_id")
    def _compute_postventa_choice_ids(self):
        for purchase in self:
            purchase.postventa_choice_ids = purchase.postventa_sale_id.postventa_choice_ids.filtered(
                lambda choice, po=purchase: choice.partner_id == po.partner_id
            )
