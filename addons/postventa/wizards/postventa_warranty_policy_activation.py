from odoo import fields, models


class PostventaWarrantyPolicyActivation(models.TransientModel):
    """*Activar*: a draft policy version comes into force on an effective date (administrators)."""

    _name = "postventa.warranty.policy.activation"
    _description = "Activate Warranty Policy Version"

    policy_id = fields.Many2one("postventa.warranty.policy", required=True, ondelete="cascade")
    effective_date = fields.Date(required=True, default=fields.Date.context_today)

    def action_activate(self):
        self.ensure_one()
        self.policy_id.action_activate(self.effective_date)
        return {"type": "ir.actions.act_window_close"}
