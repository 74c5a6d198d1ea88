from odoo import api, fields, models

SEVERITIES = [("low", "Low"), ("medium", "Medium"), ("high", "High"), ("critical", "Critical")]


class PostventaFault(models.Model):
    _name = "postventa.fault"
    _description = "Fault Catalog Entry"
    _inherit = ["mail.thread"]
    _order = "code"
    _rec_names_search = ["code", "name"]

    code = fields.Char(required=True, tracking=True, index=True)
    name = fields.Char(required=True, translate=True, tracking=True)
    system_id = fields.Many2one("postventa.vehicle.system", required=True, tracking=True)
    system = fields.Char(related="system_id.code", string="System Code")
    symptoms = fields.Text(translate=True, help="How customers describe it; also used to match WhatsApp texts.")
    keywords = fields.Char(help="Comma-separated words customers use for this fault.")
    part_ids = fields.Many2many("product.product", string="Typical Parts")
    labor_hours = fields.Float(digits=(6, 2), tracking=True)
    coverage_code = fields.Char(
        help="Forces a coverage code of the policy in force (e.g. hybrid). Empty: coverage by system."
    )
    coverage_id = fields.Many2one(
        "postventa.coverage",
        compute="_compute_coverage_id",
        help="Coverage of the policy in force that applies to this fault.",
    )
    evidence_type_ids = fields.Many2many("postventa.evidence.type", string="Required Evidence")
    severity = fields.Selection(SEVERITIES, required=True, default="medium", tracking=True)
    is_wear_item = fields.Boolean(string="Wear Item", help="Wear items are excluded from warranty.", tracking=True)
    active = fields.Boolean(default=True, tracking=True)

    _code_uniq = models.Constraint("UNIQUE(code)", "The fault code must be unique.")

    @api.depends("coverage_code", "system_id", "is_wear_item")
    def _compute_coverage_id(self):
        policy = self.env["postventa.warranty.policy"]._find_current()
        for fault in self:
            if fault.is_wear_item or not policy:
                fault.coverage_id = False
                continue
            coverages = policy.coverage_ids.filtered("active")
            forced = coverages.filtered(lambda c, f=fault: c.code == f.coverage_code)
            by_fault = coverages.filtered(lambda c, f=fault: f in c.fault_ids.sudo())
            by_system = coverages.filtered(lambda c, f=fault: f.system_id in c.system_ids)
            fault.coverage_id = (forced or by_fault or by_system)[:1]

    @api.depends("code", "name")
    def _compute_display_name(self):
        for fault in self:
            fault.display_name = f"[{fault.code}] {fault.name}" if fault.code else fault.name

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("code"):
                vals["code"] = vals["code"].strip().upper()
        return super().create(vals_list)

    def write(self, vals):
        if vals.get("code"):
            vals["code"] = vals["code"].strip().upper()
        return super().write(vals)

    @api.model
    def bridge_catalog(self):
        """The whole catalog for the bridge's Neon `fault_catalog` (JSON-2)."""
        self.env["postventa.case"]._check_bridge_access()
        faults = self.sudo().with_context(active_test=False).search([])
        return [
            {
                "id": fault.id,
                "code": fault.code,
                "name": fault.name,
                "system": fault.system_id.code,
                "symptoms": fault.symptoms or "",
                "keywords": [k.strip() for k in (fault.keywords or "").split(",") if k.strip()],
                "required_evidence": fault.evidence_type_ids.mapped("code"),
                "labor_hours": fault.labor_hours,
                "coverage": fault.coverage_id.code or None,
                "severity": fault.severity,
                "is_wear_item": fault.is_wear_item,
                "active": fault.active,
            }
            for fault in faults
        ]
