from odoo import api, fields, models

from .postventa_fault import SEVERITIES

TICKET_STATES = [
    ("open", "Open"),
    ("submitted", "Submitted to Toyota"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
    ("repaired", "Repaired"),
    ("closed", "Closed"),
]


class PostventaWarrantyTicket(models.Model):
    _name = "postventa.warranty.ticket"
    _description = "Warranty Ticket"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"

    name = fields.Char(string="Reference", required=True, readonly=True, copy=False, default="/")
    case_id = fields.Many2one("postventa.case", required=True, readonly=True, index=True, ondelete="restrict")
    decision_id = fields.Many2one("postventa.warranty.decision", readonly=True)
    company_id = fields.Many2one(related="case_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(related="case_id.partner_id", store=True)
    vehicle_id = fields.Many2one(related="case_id.vehicle_id", store=True)
    vin = fields.Char(related="case_id.vehicle_id.vin")
    odometer_km = fields.Integer(string="Odometer at Intake (km)", readonly=True)
    fault_id = fields.Many2one("postventa.fault", readonly=True)
    # Fault catalog fields, copied when the ticket opens (the catalog may change later).
    fault_code = fields.Char(readonly=True)
    fault_name = fields.Char(readonly=True)
    fault_system = fields.Char(readonly=True)
    fault_system_id = fields.Many2one(related="fault_id.system_id", string="System")
    fault_severity = fields.Selection(SEVERITIES, readonly=True)
    coverage_code = fields.Char(readonly=True)
    labor_hours = fields.Float(digits=(6, 2))
    attachment_ids = fields.Many2many("ir.attachment", string="Evidence")
    state = fields.Selection(TICKET_STATES, default="open", required=True, tracking=True, index=True)
    line_ids = fields.One2many("postventa.warranty.ticket.line", "ticket_id", string="Parts and Labor")
    currency_id = fields.Many2one(related="company_id.currency_id")
    parts_cost = fields.Monetary(compute="_compute_costs", store=True)
    labor_cost = fields.Monetary(compute="_compute_costs", store=True)
    total_cost = fields.Monetary(compute="_compute_costs", store=True)
    user_id = fields.Many2one("res.users", string="Responsible", tracking=True)
    notes = fields.Html()

    _name_uniq = models.Constraint("UNIQUE(name, company_id)", "Ticket references are unique per company.")

    @api.depends("line_ids.subtotal", "line_ids.line_type")
    def _compute_costs(self):
        for ticket in self:
            parts = ticket.line_ids.filtered(lambda line: line.line_type == "part")
            labor = ticket.line_ids - parts
            ticket.parts_cost = sum(parts.mapped("subtotal"))
            ticket.labor_cost = sum(labor.mapped("subtotal"))
            ticket.total_cost = ticket.parts_cost + ticket.labor_cost

    @api.model_create_multi
    def create(self, vals_list):
        # A ticket is named after its case (PV/2026/00007 -> GT/2026/00007; a second one gets -2):
        # readable, and no sequence round-trip per ticket in batch evaluations.
        cases = self.env["postventa.case"].browse([vals["case_id"] for vals in vals_list if vals.get("case_id")])
        taken = dict(self.sudo()._read_group([("case_id", "in", cases.ids)], ["case_id"], ["__count"]))
        for vals in vals_list:
            if vals.get("name", "/") == "/" and vals.get("case_id"):
                case = cases.browse(vals["case_id"])
                base = "GT/" + case.name.removeprefix("PV/")
                taken[case] = taken.get(case, 0) + 1
                vals["name"] = base if taken[case] == 1 else f"{base}-{taken[case]}"
        tickets = super().create(vals_list)
        tickets._fill_costs_from_catalog()
        return tickets

    @api.private
    def _fill_costs_from_catalog(self):
        """Cost lines from the fault catalog for the tickets that have none: the fault's parts at
        their cost (Toyota genuine ones when the catalog knows which) and the fault's labour hours at
        the workshop rate. Warranty managers adjust them on the ticket. Returns the lines created."""
        vals_list = []
        for ticket in self.filtered(lambda t: t.fault_id and not t.line_ids):
            vals_list += [
                {"ticket_id": ticket.id, "line_type": "part", "product_id": part.id,
                 "description": part.display_name, "quantity": 1.0, "unit_cost": part.standard_price}
                for part in ticket._warranty_parts()
            ]
            rate = ticket._warranty_labor_rate()
            if ticket.labor_hours and rate:  # no rate known (core alone): no $0 line to correct later
                vals_list.append({
                    "ticket_id": ticket.id, "line_type": "labor", "quantity": ticket.labor_hours,
                    "unit_cost": rate,
                    "description": self.env._("Labour: %(fault)s", fault=ticket.fault_name or ticket.fault_code),
                })
        return self.env["postventa.warranty.ticket.line"].sudo().create(vals_list)

    @api.private
    def _warranty_parts(self):
        """Parts billed to the warranty for this ticket (``postventa_purchase``: genuine ones)."""
        self.ensure_one()
        return self.fault_id.part_ids

    @api.private
    def _warranty_labor_rate(self):
        """Price of one labour hour (``postventa_purchase``: the company's workshop rate)."""
        self.ensure_one()
        return 0.0

    @api.private
    def _close_with_cases(self):
        """The case is done: its tickets still in progress are closed (rejected ones stay so)."""
        self.filtered(lambda t: t.state not in ("closed", "rejected")).sudo().write({"state": "closed"})

    def _bridge_dict(self):
        self.ensure_one()
        return {
            "name": self.name,
            "state": self.state,
            "parts": [
                {"product": line.product_id.display_name or line.description, "quantity": line.quantity,
                 "type": line.line_type}
                for line in self.line_ids
            ],
            "parts_cost": self.parts_cost,
            "labor_cost": self.labor_cost,
            "total_cost": self.total_cost,
            "currency": self.currency_id.name,
        }


class PostventaWarrantyTicketLine(models.Model):
    _name = "postventa.warranty.ticket.line"
    _description = "Warranty Ticket Line"

    ticket_id = fields.Many2one("postventa.warranty.ticket", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="ticket_id.company_id", store=True)
    line_type = fields.Selection([("part", "Part"), ("labor", "Labor")], required=True, default="part")
    product_id = fields.Many2one("product.product")
    description = fields.Char()
    quantity = fields.Float(default=1.0, digits="Product Unit")
    unit_cost = fields.Monetary()
    currency_id = fields.Many2one(related="ticket_id.currency_id")
    subtotal = fields.Monetary(compute="_compute_subtotal", store=True)

    @api.depends("quantity", "unit_cost")
    def _compute_subtotal(self):
        for line in self:
            line.subtotal = line.quantity * line.unit_cost

    @api.onchange("product_id")
    def _onchange_product_id(self):
        if self.product_id:
            self.description = self.product_id.display_name
            self.unit_cost = self.product_id.standard_price

