import json

from odoo import fields, models
from odoo.exceptions import AccessError

OUTCOMES = [("eligible", "Eligible"), ("review", "Review"), ("no_eligible", "Not eligible")]


class PostventaWarrantyDecision(models.Model):
    """Append-only log of every warranty evaluation and override.

    Users can only read it (access rules): rows are written, as superuser on the user's behalf,
    by :meth:`postventa.case.action_evaluate_warranty` and the override wizard; nobody but the
    superuser may change or delete them, whatever access rules say.
    """

    _name = "postventa.warranty.decision"
    _description = "Warranty Decision"
    _order = "id desc"
    _rec_name = "case_id"

    case_id = fields.Many2one("postventa.case", required=True, readonly=True, index=True, ondelete="restrict")
    vehicle_id = fields.Many2one("postventa.vehicle", readonly=True, index=True)
    fault_id = fields.Many2one("postventa.fault", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True, required=True, index=True)
    outcome = fields.Selection(OUTCOMES, required=True, readonly=True, index=True)
    reasons = fields.Json(
        string="Reasons (data)", readonly=True, help="Machine-readable reasons: code, outcome, message, params."
    )
    reason_text = fields.Text(string="Reasons", readonly=True)
    reason_codes = fields.Char(readonly=True, index=True)
    policy_id = fields.Many2one("postventa.warranty.policy", readonly=True)
    policy_version = fields.Char(readonly=True)
    coverage_code = fields.Char(readonly=True)
    coverage_expires_on = fields.Date(readonly=True)
    km_limit = fields.Integer(readonly=True)
    evaluation_date = fields.Date(
        readonly=True, help="The day the warranty was evaluated for, in the dealer's time zone.",
    )
    inputs = fields.Json(string="Inputs (data)", readonly=True, help="What the engine saw.")
    inputs_display = fields.Text(string="Inputs", compute="_compute_inputs_display")
    user_id = fields.Many2one("res.users", string="Decided By", readonly=True, default=lambda self: self.env.user)
    is_override = fields.Boolean(readonly=True)
    override_of_id = fields.Many2one("postventa.warranty.decision", string="Overrides", readonly=True)
    override_reason = fields.Text(readonly=True)
    recommended_supplier = fields.Char(readonly=True, help="Filled by the spare-parts flow when it applies.")
    create_date = fields.Datetime(string="Decided On", readonly=True)

    def _compute_inputs_display(self):
        for decision in self:
            decision.inputs_display = json.dumps(decision.inputs or {}, indent=2, ensure_ascii=False, sort_keys=True)

    def write(self, vals):
        if not self.env.su:
            raise AccessError(self.env._("The warranty decision log is append-only: decisions cannot be changed."))
        return super().write(vals)

    def unlink(self):
        if not self.env.su:
            raise AccessError(self.env._("The warranty decision log is append-only: decisions cannot be deleted."))
        return super().unlink()

    def _bridge_dict(self):
        self.ensure_one()
        return {
            "id": self.id,
            "outcome": self.outcome,
            "policy_version": self.policy_version,
            "coverage": self.coverage_code or None,
            "reasons": self.reasons or [],
            "is_override": self.is_override,
            "recommended_supplier": self.recommended_supplier or None,
            "date": self.create_date.isoformat() + "Z" if self.create_date else None,
        }
