from odoo import fields, models

from odoo.addons.base.models.res_partner import _tz_get


class ResCompany(models.Model):
    _inherit = "res.company"

    postventa_followup_tz = fields.Selection(_tz_get, string="Dealer Time Zone", default="America/Mexico_City")
    postventa_followup_quiet_start = fields.Float(string="Messages From", default=9.0)
    postventa_followup_quiet_end = fields.Float(string="Messages Until", default=20.0)
    postventa_followup_cap_count = fields.Integer(string="Follow-ups per Customer", default=2)
    postventa_followup_cap_days = fields.Integer(string="Frequency Window (days)", default=7)
    postventa_followup_due_days = fields.Integer(string="Remind Service Due Within (days)", default=14)
    postventa_followup_csat_delay_hours = fields.Integer(string="Ask CSAT After (hours)", default=3)
    postventa_followup_template_kinds = fields.Char(
        string="Approved Template Kinds",
        default="service_due,csat_request,coverage_inspection,quote_reminder,intake_nudge",
        help="Message kinds with an approved WhatsApp template (TWILIO_TEMPLATE_<KIND> in the bridge): "
        "only these go out after the customer's 24-hour window.",
    )
    postventa_followup_advisor_id = fields.Many2one(
        "res.users", string="Service Advisor", help="Gets the activity when a customer asks to book a service."
    )
    postventa_followup_manager_id = fields.Many2one(
        "res.users", string="Service Manager", help="Gets the service-recovery activity for a score of 2 or less."
    )
