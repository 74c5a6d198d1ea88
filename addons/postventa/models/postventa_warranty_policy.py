from odoo import api, fields, models
from odoo.exceptions import UserError

from ..engine import warranty_policy as engine


class PostventaWarrantyPolicy(models.Model):
    _name = "postventa.warranty.policy"
    _description = "Warranty Policy Version"
    _inherit = ["mail.thread"]
    _order = "date_from desc, id desc"

    name = fields.Char(required=True, translate=True, tracking=True)
    version = fields.Char(required=True, tracking=True, help="Written on every decision taken under it.")
    date_from = fields.Date(
        string="Valid From", required=True, default=fields.Date.context_today, tracking=True,
        help="The policy in force is the latest active version whose start date has passed.",
    )
    company_id = fields.Many2one("res.company", help="Leave empty to share the policy between companies.")
    coverage_ids = fields.One2many("postventa.coverage", "policy_id", string="Coverages", copy=True)
    decision_count = fields.Integer(compute="_compute_decision_count")
    active = fields.Boolean(default=True, tracking=True)

    _version_uniq = models.Constraint("UNIQUE(version)", "Policy versions must be unique.")

    def _compute_decision_count(self):
        counts = dict(
            self.env["postventa.warranty.decision"]._read_group(
                [("policy_id", "in", self.ids)], ["policy_id"], ["__count"]
            )
        )
        for policy in self:
            policy.decision_count = counts.get(policy, 0)

    @api.model
    def _find_current(self, on_date=None, company=None):
        """The policy in force (possibly empty)."""
        company = company or self.env.company
        on_date = on_date or fields.Date.context_today(self)
        return self.search(
            [("date_from", "<=", on_date), ("company_id", "in", [company.id, False])],
            order="date_from desc, id desc",
            limit=1,
        )

    @api.model
    def _get_current(self, on_date=None, company=None):
        policy = self._find_current(on_date, company)
        if not policy:
            raise UserError(self.env._("No active warranty policy is in force on %(date)s.", date=on_date))
        return policy

    def _to_engine(self):
        self.ensure_one()
        return engine.Policy(
            version=self.version,
            coverages=tuple(coverage._to_engine() for coverage in self.coverage_ids.filtered("active")),
        )

    def action_new_version(self):
        """Copy this policy as the next editable version (decisions keep pointing at the old one)."""
        self.ensure_one()
        new = self.copy({"version": f"{self.version}-new", "date_from": fields.Date.context_today(self)})
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": new.id,
            "view_mode": "form",
        }
