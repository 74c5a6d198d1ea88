from odoo import fields, models


class PostventaMaintenanceSchedule(models.Model):
    """Toyota Mexico's maintenance plan as data: every N km or M months, whichever comes first."""

    _name = "postventa.maintenance.schedule"
    _description = "Maintenance Schedule"
    _order = "model_name, id"

    name = fields.Char(required=True, translate=True)
    model_name = fields.Char(
        string="Model", help="Vehicle model it applies to (e.g. Hilux); empty = every model without its own line."
    )
    interval_km = fields.Integer(string="Every (km)", required=True, default=10000)
    interval_months = fields.Integer(string="Every (months)", required=True, default=6)
    active = fields.Boolean(default=True)

    _model_uniq = models.UniqueIndex("(coalesce(lower(model_name), '')) WHERE active",
                                     "There is already an active schedule for this model.")
    _positive = models.Constraint("CHECK(interval_km > 0 AND interval_months > 0)",
                                  "Maintenance intervals must be positive.")

    def _by_model(self):
        """{lower(model) or '': (km, months)} for every active schedule (one query)."""
        rows = self.search_fetch([], ["model_name", "interval_km", "interval_months"])
        return {(r.model_name or "").strip().lower(): (r.interval_km, r.interval_months) for r in rows}
