from odoo import api, fields, models

from .. import fitment, partnumbers

QUALITY_GRADES = [
    ("oem", "OEM (Toyota Genuine)"),
    ("oes", "OES (Original Equipment Supplier)"),
    ("premium", "Premium Aftermarket"),
    ("standard", "Standard Aftermarket"),
    ("economy", "Economy"),
]


class ProductTemplate(models.Model):
    _inherit = "product.template"

    postventa_is_part = fields.Boolean(string="Spare Part", index=True)
    postventa_part_number = fields.Char(
        string="Part Number", help="As printed by the maker, e.g. 04465-02220 (Toyota) or 0 986 494 123 (Bosch)."
    )
    postventa_part_number_norm = fields.Char(
        string="Normalized Part Number",
        compute="_compute_postventa_part_number_norm",
        store=True,
        index=True,
        help="Upper case, letters and digits only: 04465-02220, 0446502220 and 04465 02220 are the same part.",
    )
    postventa_brand = fields.Char(string="Brand")
    postventa_is_oem = fields.Boolean(string="Toyota Genuine")
    postventa_quality_grade = fields.Selection(QUALITY_GRADES, string="Quality Grade")
    postventa_fitment = fields.Char(
        string="Fits Models",
        help="Comma-separated vehicle models the part fits (e.g. Corolla, Yaris). Empty: fits every model.",
    )
    postventa_year_from = fields.Integer(
        string="Fits From Model Year", help="First model year the part fits (e.g. 2020). Empty: no lower limit."
    )
    postventa_year_to = fields.Integer(
        string="Fits Up To Model Year", help="Last model year the part fits (inclusive). Empty: no upper limit."
    )
    postventa_position = fields.Selection(
        [(fitment.FRONT, "Front"), (fitment.REAR, "Rear")], string="Position",
        help="Axle the part is for (brake pads, shocks…). Empty: either, or not applicable.",
    )
    postventa_equivalence_ids = fields.One2many(
        "postventa.part.equivalence", "product_tmpl_id", string="Equivalents"
    )
    postventa_equivalent_of_ids = fields.One2many(
        "postventa.part.equivalence", "equivalent_tmpl_id", string="Equivalent Of"
    )
    postventa_part_lookup = fields.Char(
        string="Part Number (any brand)",
        compute="_compute_postventa_part_lookup",
        search="_search_postventa_part_lookup",
        help="Finds a part by any of its numbers, Toyota or aftermarket, through the equivalence table.",
    )

    def _postventa_fits(self, model_name, model_year=None, position=None):
        """Whether this part fits a vehicle model (``RAV4`` fits ``RAV4 Hybrid``) of that model year,
        on the axle the fault names (``front`` / ``rear``); what is unknown does not exclude."""
        self.ensure_one()
        return fitment.fits(self.postventa_fitment, self.postventa_year_from, self.postventa_year_to,
                            self.postventa_position, model_name, model_year, position)

    @api.depends("postventa_part_number")
    def _compute_postventa_part_number_norm(self):
        for template in self:
            template.postventa_part_number_norm = partnumbers.normalize(template.postventa_part_number) or False

    def _compute_postventa_part_lookup(self):
        for template in self:
            template.postventa_part_lookup = template.postventa_part_number

    def _search_postventa_part_lookup(self, operator, value):
        if operator not in ("=", "ilike") or not isinstance(value, str):
            return NotImplemented
        numbers = self.env["postventa.part.equivalence"]._postventa_closure([value])
        return [("id", "in", self.env["postventa.part.equivalence"]._postventa_templates_for(numbers).ids)]
