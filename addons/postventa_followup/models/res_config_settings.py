from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    postventa_followup_tz = fields.Selection(related="company_id.postventa_followup_tz", readonly=False)
    postventa_followup_quiet_start = fields.Float(related="company_id.postventa_followup_quiet_start", readonly=False)
    postventa_followup_quiet_end = fields.Float(related="company_id.postventa_followup_quiet_end", readonly=False)
    postventa_followup_cap_count = fields.Integer(related="company_id.postventa_followup_cap_count", readonly=False)
    postventa_followup_cap_days = fields.Integer(related="company_id.postventa_followup_cap_days", readonly=False)
    postventa_followup_due_days = fields.Integer(related="company_id.postventa_followup_due_days", readonly=False)
    postventa_followup_csat_delay_hours = fields.Integer(
        related="company_id.postventa_followup_csat_delay_hours", readonly=False
    )
    postventa_followup_template_kinds = fields.Char(
        related="company_id.postventa_followup_template_kinds", readonly=False
    )
    postventa_followup_advisor_id = fields.Many2one(
        related="company_id.postventa_followup_advisor_id", readonly=False
    )
    postventa_followup_manager_id = fields.Many2one(
        related="company_id.postventa_followup_manager_id", readonly=False
    )
