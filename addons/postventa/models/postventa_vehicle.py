from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..engine import vin as vin_rules

POWERTRAINS = [
    ("gasoline", "Gasoline"),
    ("diesel", "Diesel"),
    ("hybrid", "Hybrid"),
    ("plugin_hybrid", "Plug-in hybrid"),
    ("electric", "Electric"),
]


class PostventaVehicle(models.Model):
    _name = "postventa.vehicle"
    _description = "Customer Vehicle"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "vin"
    _rec_names_search = ["vin", "plate", "model_name"]

    vin = fields.Char(string="VIN", required=True, tracking=True, index="trigram", copy=False)
    plate = fields.Char(tracking=True, index=True, copy=False)
    partner_id = fields.Many2one("res.partner", string="Owner", tracking=True, index=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    model_name = fields.Char(string="Model", required=True, help="e.g. Corolla, Hilux, RAV4")
    model_year = fields.Integer()
    vehicle_model_id = fields.Many2one(
        "postventa.vehicle.model", string="Catalogue Model", compute="_compute_vehicle_model_id", store=True,
        index="btree_not_null", help="The model catalogue's entry for this model name, when it has one.",
    )
    powertrain = fields.Selection(
        POWERTRAINS, tracking=True, compute="_compute_powertrain", store=True, readonly=False,
        help="From the model catalogue when the model is listed; otherwise as recorded (empty: unknown).",
    )
    delivery_date = fields.Date(
        tracking=True, help="Day the vehicle was delivered to its first owner: the warranty starts here."
    )
    odometer_ids = fields.One2many("postventa.odometer", "vehicle_id", string="Odometer Readings")
    odometer_km = fields.Integer(
        string="Odometer (km)", compute="_compute_odometer_km", store=True, help="Latest reading."
    )
    case_ids = fields.One2many("postventa.case", "vehicle_id", string="Cases")
    case_count = fields.Integer(compute="_compute_case_count")
    active = fields.Boolean(default=True)

    _vin_uniq = models.Constraint("UNIQUE(vin)", "A vehicle with this VIN already exists.")

    @api.depends("model_name")
    def _compute_vehicle_model_id(self):
        catalogue = self.env["postventa.vehicle.model"]._match(self.mapped("model_name"))
        for vehicle in self:
            vehicle.vehicle_model_id = catalogue.get((vehicle.model_name or "").strip().lower(), False)

    @api.depends("vehicle_model_id")
    def _compute_powertrain(self):
        for vehicle in self:
            vehicle.powertrain = vehicle.vehicle_model_id.powertrain or vehicle.powertrain or False

    @api.depends("odometer_ids.value_km", "odometer_ids.date")
    def _compute_odometer_km(self):
        for vehicle in self:
            latest = vehicle.odometer_ids.sorted(lambda r: (r.date, r.id))[-1:]
            vehicle.odometer_km = latest.value_km if latest else 0

    def _compute_case_count(self):
        counts = dict(
            self.env["postventa.case"]._read_group([("vehicle_id", "in", self.ids)], ["vehicle_id"], ["__count"])
        )
        for vehicle in self:
            vehicle.case_count = counts.get(vehicle, 0)

    @api.depends("vin", "model_name", "model_year", "plate")
    def _compute_display_name(self):
        for vehicle in self:
            label = " ".join(str(p) for p in (vehicle.model_name, vehicle.model_year) if p)
            vehicle.display_name = f"{label} [{vehicle.plate or vehicle.vin}]" if label else vehicle.vin

    @api.constrains("vin")
    def _check_vin(self):
        for vehicle in self:
            vin = vehicle.vin or ""
            problem = vin_rules.validation_error(vin)
            if problem == "length":
                raise ValidationError(self.env._(
                    "Invalid VIN %(vin)s: a VIN has 17 characters, this one has %(count)s.", vin=vin, count=len(vin)
                ))
            if problem == "characters":
                raise ValidationError(self.env._(
                    "Invalid VIN %(vin)s: only digits and capital letters except I, O and Q are allowed.", vin=vin
                ))
            if problem == "check_digit":
                raise ValidationError(self.env._(
                    "Invalid VIN %(vin)s: the check digit (9th character) should be %(digit)s.",
                    vin=vin, digit=vin_rules.check_digit(vin),
                ))

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._normalize_vals(vals)
        vehicles = super().create(vals_list)
        vehicles.filtered("delivery_date")._emit_delivered()
        return vehicles

    def write(self, vals):
        self._normalize_vals(vals)
        undelivered = self.filtered(lambda v: not v.delivery_date) if vals.get("delivery_date") else self.browse()
        result = super().write(vals)
        undelivered._emit_delivered()
        return result

    @api.model
    def _normalize_vals(self, vals):
        if vals.get("vin"):
            vals["vin"] = vin_rules.normalize(vals["vin"])
        if vals.get("plate"):
            vals["plate"] = vals["plate"].strip().upper()

    def _emit_delivered(self):
        events = self.env["postventa.event"]
        for vehicle in self:
            events._emit(
                "vehicle.delivered",
                vehicle,
                {
                    "vin": vehicle.vin,
                    "plate": vehicle.plate or None,
                    "model": vehicle.model_name,
                    "model_year": vehicle.model_year or None,
                    "powertrain": vehicle.powertrain or None,
                    "delivery_date": fields.Date.to_string(vehicle.delivery_date),
                    "owner": vehicle.partner_id.name or None,
                },
            )

    @api.model
    def _find_by_vin_or_plate(self, vin=None, plate=None):
        """The vehicle a customer means, by VIN first, then by plate."""
        if vin:
            found = self.search([("vin", "=", vin_rules.normalize(vin))], limit=1)
            if found:
                return found
        if plate:
            return self.search([("plate", "=", plate.strip().upper())], limit=1)
        return self.browse()

    def action_view_cases(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("postventa.postventa_case_action")
        action["domain"] = [("vehicle_id", "=", self.id)]
        action["context"] = {"default_vehicle_id": self.id, "default_partner_id": self.partner_id.id}
        return action
