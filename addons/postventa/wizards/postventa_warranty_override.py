from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..models.postventa_warranty_decision import OUTCOMES


class PostventaWarrantyOverride(models.TransientModel):
    """A warranty manager replaces the latest decision with a new one that says why."""

    _name = "postventa.warranty.override"
    _description = "Override Warranty Decision"

    case_id = fields.Many2one("postventa.case", required=True)
    current_outcome = fields.Selection(related="case_id.decision_id.outcome", string="Current Outcome")
    outcome = fields.Selection(OUTCOMES, string="New Outcome", required=True)
    reason = fields.Text(required=True)

    @api.model
    def _check_manager(self):
        if not self.env.user.has_group("postventa.group_postventa_warranty_manager"):
            raise AccessError(self.env._("Only a warranty manager can override a warranty decision."))

    def action_apply(self):
        self.ensure_one()
        self._check_manager()
        case = self.case_id
        previous = case.decision_id
        if not previous:
            raise UserError(self.env._("Evaluate the warranty before overriding it."))
        if not (self.reason or "").strip():
            raise UserError(self.env._("An override needs a reason."))
        vals = {
            "case_id": case.id,
            "vehicle_id": case.vehicle_id.id,
            "fault_id": case.fault_id.id,
            "company_id": case.company_id.id,
            "outcome": self.outcome,
            "reasons": [{"code": "manual_override", "outcome": self.outcome, "message": self.reason, "params": {
                "overrides": previous.id, "previous_outcome": previous.outcome,
            }}],
            "reason_text": self.reason,
            "reason_codes": "manual_override",
            "policy_id": previous.policy_id.id,
            "policy_version": previous.policy_version,
            "coverage_code": previous.coverage_code,
            "coverage_expires_on": previous.coverage_expires_on,
            "km_limit": previous.km_limit,
            "inputs": previous.inputs,
            "is_override": True,
            "override_of_id": previous.id,
            "override_reason": self.reason,
            "user_id": self.env.user.id,
        }
        decision = self.env["postventa.warranty.decision"].sudo().create(vals).with_env(self.env)
        case._apply_decisions(decision)
        case.message_post(body=self.env._(
            "Warranty decision overridden: %(old)s → %(new)s. Reason: %(reason)s",
            old=previous.outcome, new=self.outcome, reason=self.reason,
        ))
        return {"type": "ir.actions.act_window_close"}
