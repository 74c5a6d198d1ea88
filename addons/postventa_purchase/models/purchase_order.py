from odoo import fields, models


class PurchaseOrder(models.Model):
    _inherit = "purchase.order"

    postventa_case_id = fields.Many2one("postventa.case", index=True, readonly=True)
    postventa_sale_id = fields.Many2one("sale.order", string="Customer Quote", index=True, readonly=True)
