from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    postventa_labor_product_id = fields.Many2one(
        related="company_id.postventa_labor_product_id", readonly=False
    )
    postventa_labor_rate = fields.Float(related="company_id.postventa_labor_rate", readonly=False)
    postventa_sla_days_critical = fields.Integer(related="company_id.postventa_sla_days_critical", readonly=False)
    postventa_sla_days_high = fields.Integer(related="company_id.postventa_sla_days_high", readonly=False)
    postventa_sla_days_medium = fields.Integer(related="company_id.postventa_sla_days_medium", readonly=False)
    postventa_sla_days_low = fields.Integer(related="company_id.postventa_sla_days_low", readonly=False)
    postventa_backorder_days = fields.Integer(related="company_id.postventa_backorder_days", readonly=False)
