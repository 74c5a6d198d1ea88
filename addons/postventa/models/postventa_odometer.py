from odoo import api, fields, models
from odoo.exceptions import ValidationError


class PostventaOdometer(models.Model):
    _name = "postventa.odometer"
    _description = "Odometer Reading"
    _order = "date desc, id desc"

    vehicle_id = fields.Many2one("postventa.vehicle", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="vehicle_id.company_id", store=True, index=True)
    date = fields.Date(required=True, default=fields.Date.context_today)
    value_km = fields.Integer(string="Kilometers", required=True)
    source = fields.Selection(
        [
            ("delivery", "Delivery"),
            ("intake", "Case intake"),
            ("whatsapp", "WhatsApp"),
            ("service", "Workshop service"),
            ("correction", "Manager correction"),
        ],
        required=True,
        default="service",
    )
    case_id = fields.Many2one("postventa.case", index="btree_not_null")
    note = fields.Char()

    _value_positive = models.Constraint("CHECK(value_km >= 0)", "An odometer reading cannot be negative.")

    @api.model_create_multi
    def create(self, vals_list):
        if any(vals.get("source") == "correction" for vals in vals_list):
            self._check_can_correct()
        return super().create(vals_list)

    def write(self, vals):
        if vals.get("source") == "correction" or "correction" in self.mapped("source"):
            self._check_can_correct()
        return super().write(vals)

    def _check_can_correct(self):
        # Checked here, with the caller's rights (constraints run as superuser).
        if not self.env.user.has_group("postventa.group_postventa_warranty_manager"):
            raise ValidationError(self.env._("Only a warranty manager can record an odometer correction."))

    @api.constrains("value_km", "date", "vehicle_id", "source")
    def _check_monotonic(self):
        for reading in self:
            if reading.source == "correction":
                if not reading.note:
                    raise ValidationError(self.env._("An odometer correction needs a note explaining it."))
                continue
            others = reading.vehicle_id.odometer_ids - reading
            # Readings of one day are ordered by when they were recorded (a batch records several at once).
            earlier = others.filtered(lambda r, x=reading: r.date < x.date or (r.date == x.date and r.id < x.id))
            later = others.filtered(lambda r, x=reading: r.date > x.date or (r.date == x.date and r.id > x.id))
            previous = max(earlier.mapped("value_km"), default=None)
            following = min(later.mapped("value_km"), default=None)
            if previous is not None and reading.value_km < previous:
                raise ValidationError(self.env._(
                    "The odometer cannot go back: %(new)s km on %(date)s is lower than the previous reading of "
                    "%(previous)s km. A warranty manager can record it as a correction.",
                    new=reading.value_km, date=reading.date, previous=previous,
                ))
            if following is not None and reading.value_km > following:
                raise ValidationError(self.env._(
                    "%(new)s km on %(date)s is higher than a later reading of %(following)s km.",
                    new=reading.value_km, date=reading.date, following=following,
                ))
