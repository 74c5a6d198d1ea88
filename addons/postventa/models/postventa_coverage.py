from odoo import fields, models

from ..engine import warranty_policy as engine


class PostventaCoverage(models.Model):
    _name = "postventa.coverage"
    _description = "Warranty Coverage"
    _order = "policy_id, sequence, id"

    policy_id = fields.Many2one("postventa.warranty.policy", required=True, ondelete="cascade", index=True)
    sequence = fields.Integer(default=10)
    code = fields.Char(required=True, help="e.g. basic, powertrain, hybrid. Faults can point at a code.")
    name = fields.Char(required=True, translate=True)
    months = fields.Integer(required=True, help="Duration from the delivery date.")
    km = fields.Integer(string="Kilometers", required=True, help="Kilometer limit; whichever comes first.")
    system_ids = fields.Many2many("postventa.vehicle.system", string="Covered Systems")
    fault_ids = fields.Many2many("postventa.fault", string="Covered Faults")
    powertrains = fields.Char(
        help="Comma-separated powertrains this coverage is limited to (e.g. hybrid,plugin_hybrid). "
        "Empty: all."
    )
    active = fields.Boolean(default=True)

    _code_policy_uniq = models.Constraint(
        "UNIQUE(policy_id, code)", "A coverage code appears once per policy version."
    )
    _limits_positive = models.Constraint(
        "CHECK(months > 0 AND km > 0)", "Coverage months and kilometers must be positive."
    )

    def _compute_display_name(self):
        for coverage in self:
            coverage.display_name = f"{coverage.name} ({coverage.months} m / {coverage.km:,} km)"

    def _to_engine(self):
        self.ensure_one()
        return engine.Coverage(
            code=self.code,
            name=self.name,
            months=self.months,
            km=self.km,
            systems=frozenset(self.system_ids.mapped("code")),
            fault_codes=frozenset(self.fault_ids.mapped("code")),
            powertrains=frozenset(p.strip() for p in (self.powertrains or "").split(",") if p.strip()),
        )
