from odoo import fields, models

REASON_CODES = [
    ("best_in_time", "Best of several offers in time"),
    ("only_in_time", "Only offer in time"),
    ("late_fallback", "No offer in time: earliest arrival"),
    ("no_offers", "No usable offer"),
    ("from_stock", "Served from our stock"),
]


class PostventaSupplierChoice(models.Model):
    """Append-only record of every supplier choice made by the SLA engine (analytics, audit)."""

    _name = "postventa.supplier.choice"
    _description = "Supplier Choice by SLA"
    _order = "id desc"

    case_id = fields.Many2one("postventa.case", index=True, ondelete="cascade", readonly=True)
    sale_order_id = fields.Many2one("sale.order", string="Quote", index=True, ondelete="cascade", readonly=True)
    sale_line_id = fields.Many2one("sale.order.line", string="Quote Line", ondelete="set null", readonly=True)
    part_id = fields.Many2one("product.product", string="Typical Part", readonly=True)
    product_id = fields.Many2one("product.product", string="Chosen Product", readonly=True)
    supplierinfo_id = fields.Many2one("product.supplierinfo", string="Offer", ondelete="set null", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Supplier", index=True, readonly=True)
    company_id = fields.Many2one("res.company", readonly=True, default=lambda self: self.env.company)
    promised_date = fields.Date(readonly=True)
    eta = fields.Date(string="Expected Arrival", readonly=True)
    sla_ok = fields.Boolean(string="SLA Met", readonly=True)
    score = fields.Float(digits=(6, 4), readonly=True)
    cost = fields.Float(digits="Product Price", readonly=True, help="In company currency.")
    reason_code = fields.Selection(REASON_CODES, readonly=True)
    reason = fields.Char(readonly=True)
    offers_count = fields.Integer(string="Offers Considered", readonly=True)
    ranking = fields.Json(readonly=True)

    def _compute_display_name(self):
        for choice in self:
            choice.display_name = f"{choice.product_id.display_name or '-'} → {choice.partner_id.name or '-'}"
