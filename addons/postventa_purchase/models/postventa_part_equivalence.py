from odoo import api, fields, models

from .. import partnumbers
from .product_template import QUALITY_GRADES


class PostventaPartEquivalence(models.Model):
    """Directed equivalence: a part (usually Toyota genuine) → one aftermarket number that fits instead.

    Searched both ways and transitively (see :meth:`_postventa_closure`).
    """

    _name = "postventa.part.equivalence"
    _description = "Spare Part Equivalence"
    _order = "product_tmpl_id, sequence, id"
    _rec_name = "part_number"

    sequence = fields.Integer(default=10)
    product_tmpl_id = fields.Many2one(
        "product.template", string="Part", required=True, ondelete="cascade", index=True,
        domain=[("postventa_is_part", "=", True)],
    )
    source_number_norm = fields.Char(
        string="Part Number (normalized)",
        related="product_tmpl_id.postventa_part_number_norm",
        store=True,
        index=True,
    )
    brand = fields.Char(required=True)
    part_number = fields.Char(string="Equivalent Number", required=True)
    part_number_norm = fields.Char(
        string="Equivalent Number (normalized)",
        compute="_compute_part_number_norm",
        store=True,
        index=True,
    )
    equivalent_tmpl_id = fields.Many2one(
        "product.template", string="Equivalent Product", ondelete="set null", index=True,
        help="The product sold under this number, when we stock or quote it.",
    )
    fitment_notes = fields.Text()
    quality_grade = fields.Selection(QUALITY_GRADES, default="standard")
    active = fields.Boolean(default=True)

    _part_number_uniq = models.Constraint(
        "UNIQUE(product_tmpl_id, part_number_norm, brand)",
        "This equivalent is already listed for the part.",
    )

    @api.depends("part_number")
    def _compute_part_number_norm(self):
        for equivalence in self:
            equivalence.part_number_norm = partnumbers.normalize(equivalence.part_number)

    @api.depends("brand", "part_number")
    def _compute_display_name(self):
        for equivalence in self:
            equivalence.display_name = f"{equivalence.brand} {equivalence.part_number}"

    @api.model
    def _postventa_closure(self, numbers, max_depth=6):
        """Normalized numbers reachable from ``numbers`` through active equivalences (both directions).

        One indexed query per level of the graph; typical depth is 1 or 2.
        """
        cr = self.env.cr
        self.flush_model(["source_number_norm", "part_number_norm", "active"])

        def neighbours(frontier):
            cr.execute(
                """
                SELECT source_number_norm, part_number_norm FROM postventa_part_equivalence
                 WHERE active AND source_number_norm = ANY(%(f)s)
                UNION
                SELECT source_number_norm, part_number_norm FROM postventa_part_equivalence
                 WHERE active AND part_number_norm = ANY(%(f)s)
                """,
                {"f": list(frontier)},
            )
            return cr.fetchall()

        return partnumbers.closure(numbers, neighbours, max_depth=max_depth)

    @api.model
    def _postventa_templates_for(self, numbers):
        """Part templates carrying any of the normalized ``numbers`` (own number or linked equivalent)."""
        numbers = [n for n in numbers if n]
        if not numbers:
            return self.env["product.template"]
        templates = self.env["product.template"].search([("postventa_part_number_norm", "in", numbers)])
        linked = self.search([("part_number_norm", "in", numbers), ("equivalent_tmpl_id", "!=", False)])
        return templates | linked.equivalent_tmpl_id
