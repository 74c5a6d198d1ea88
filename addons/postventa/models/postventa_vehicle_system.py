from odoo import fields, models


class PostventaVehicleSystem(models.Model):
    _name = "postventa.vehicle.system"
    _description = "Vehicle System"
    _order = "sequence, name"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True, help="Stable identifier used by the warranty policy engine.")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)

    _code_uniq = models.Constraint("UNIQUE(code)", "The system code must be unique.")
