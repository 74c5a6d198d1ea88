from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResPartner(models.Model):
    _inherit = "res.partner"

    postventa_is_parts_supplier = fields.Boolean(
        string="Spare-Parts Supplier", help="National supplier of spare parts offered on quotes."
    )
    postventa_reliability = fields.Float(
        string="Supplier Reliability",
        default=0.8,
        digits=(3, 2),
        help="Share of orders delivered on time (0 to 1). Weighs in the supplier choice by SLA.",
    )

    @api.constrains("postventa_reliability")
    def _check_postventa_reliability(self):
        for partner in self:
            if not 0.0 <= partner.postventa_reliability <= 1.0:
                raise ValidationError(self.env._("Supplier reliability must be between 0 and 1."))
