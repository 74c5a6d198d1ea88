from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    postventa_labor_product_id = fields.Many2one(
        "product.product",
        string="Labor Service Product",
        domain=[("type", "=", "service")],
        help="Service product billed per hour on spare-parts quotes. Empty: the module's 'Shop labor (hour)'.",
    )
    postventa_labor_rate = fields.Float(
        string="Shop Hourly Rate",
        digits="Product Price",
        default=650.0,
        help="Price of one labor hour on quotes (company currency). Hours come from the fault catalog.",
    )
    postventa_sla_days_critical = fields.Integer(string="SLA Days (Critical)", default=2)
    postventa_sla_days_high = fields.Integer(string="SLA Days (High)", default=3)
    postventa_sla_days_medium = fields.Integer(string="SLA Days (Medium)", default=5)
    postventa_sla_days_low = fields.Integer(string="SLA Days (Low)", default=10)
    postventa_backorder_days = fields.Integer(
        string="Backorder Days",
        default=10,
        help="Days added to a supplier's lead time when its stock does not cover the quantity.",
    )

    def _postventa_sla_days(self):
        self.ensure_one()
        return {
            "critical": self.postventa_sla_days_critical,
            "high": self.postventa_sla_days_high,
            "medium": self.postventa_sla_days_medium,
            "low": self.postventa_sla_days_low,
        }

    def _postventa_labor_product(self):
        self.ensure_one()
        return self.postventa_labor_product_id or self.env.ref(
            "postventa_purchase.product_labor_hour", raise_if_not_found=False
        )
