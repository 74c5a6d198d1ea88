from odoo import api, fields, models

from .postventa_vehicle import POWERTRAINS


class PostventaVehicleModel(models.Model):
    """What the dealer knows about a model name: a vehicle whose model is listed takes its powertrain
    from here (a Prius is a hybrid), instead of a silent default."""

    _name = "postventa.vehicle.model"
    _description = "Vehicle Model"
    _order = "name"

    name = fields.Char(required=True, help="As written on vehicles, e.g. Prius, Corolla Hybrid (case does not matter).")
    powertrain = fields.Selection(POWERTRAINS, required=True)
    active = fields.Boolean(default=True)

    _name_uniq = models.UniqueIndex("(lower(name))", "This model is already in the catalogue.")

    @api.model
    def _match(self, model_names):
        """{lower-case model name: catalogue record} for the names given (one query)."""
        keys = {(n or "").strip().lower() for n in model_names} - {""}
        if not keys:
            return {}
        models_ = self.search([])
        return {m.name.strip().lower(): m for m in models_ if m.name.strip().lower() in keys}
