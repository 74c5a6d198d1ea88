from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

CSAT_SCORES = [("1", "1"), ("2", "2"), ("3", "3"), ("4", "4"), ("5", "5")]


class PostventaServiceVisit(models.Model):
    """A workshop visit (maintenance or repair). Closing it records the odometer and emits ``service.done``."""

    _name = "postventa.service.visit"
    _description = "Service Visit"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(string="Reference", required=True, readonly=True, copy=False, default="/", index=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    vehicle_id = fields.Many2one("postventa.vehicle", required=True, index=True, check_company=True, tracking=True)
    partner_id = fields.Many2one("res.partner", string="Customer", compute="_compute_partner_id", store=True,
                                 readonly=False, index=True)
    date = fields.Date(required=True, default=fields.Date.context_today, tracking=True)
    odometer_km = fields.Integer(string="Odometer (km)", tracking=True)
    service_type = fields.Selection(
        [("maintenance", "Scheduled maintenance"), ("repair", "Repair"), ("customer_reported", "Done elsewhere")],
        required=True, default="maintenance",
    )
    milestone_km = fields.Integer(string="Maintenance Milestone (km)", help="10,000, 20,000… when it is one.")
    work_done = fields.Text()
    advisor_id = fields.Many2one("res.users", string="Service Advisor", default=lambda self: self.env.user,
                                 tracking=True)
    case_id = fields.Many2one("postventa.case", index="btree_not_null", check_company=True)
    state = fields.Selection([("open", "Open"), ("done", "Done"), ("cancelled", "Cancelled")], default="open",
                             required=True, tracking=True, index=True)
    done_at = fields.Datetime(string="Closed On", readonly=True, copy=False, index=True)
    csat_requested_at = fields.Datetime(string="CSAT Asked On", readonly=True, copy=False)
    csat_score = fields.Selection(CSAT_SCORES, string="CSAT", readonly=True, copy=False, tracking=True)
    csat_at = fields.Datetime(string="CSAT Received On", readonly=True, copy=False)

    _km_positive = models.Constraint("CHECK(odometer_km >= 0)", "An odometer reading cannot be negative.")
    _csat_once = models.Index("(csat_requested_at) WHERE state = 'done' AND csat_requested_at IS NULL")

    @api.depends("vehicle_id")
    def _compute_partner_id(self):
        for visit in self:
            visit.partner_id = visit.vehicle_id.partner_id or visit.partner_id

    @api.constrains("csat_score", "state")
    def _check_csat_state(self):
        if self.filtered(lambda v: v.csat_score and v.state != "done"):
            raise ValidationError(self.env._("Only a closed visit can be rated."))

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].next_by_code("postventa.service.visit") or "/"
        return super().create(vals_list)

    def action_done(self):
        """Close the visits: odometer reading, ``service.done`` (the CSAT agent asks later)."""
        todo = self.filtered(lambda v: v.state == "open")
        if self and not todo:
            raise UserError(self.env._("These visits are already closed."))
        if todo.filtered(lambda v: not v.odometer_km):
            raise UserError(self.env._("Record the odometer (km) before closing the visit."))
        todo.write({"state": "done", "done_at": fields.Datetime.now()})
        self.env["postventa.odometer"].create([
            {"vehicle_id": v.vehicle_id.id, "date": v.date, "value_km": v.odometer_km, "source": "service",
             "case_id": v.case_id.id, "note": v.name}
            for v in todo
        ])
        self.env["postventa.event"]._emit_many([("service.done", v, v._service_done_data()) for v in todo])
        return True

    def action_cancel(self):
        self.filtered(lambda v: v.state == "open").write({"state": "cancelled"})

    @api.private
    def _service_done_data(self):
        self.ensure_one()
        return {
            "case": self.case_id.name or self.name,
            "neon_id": self.case_id.neon_id or None,
            "visit": self.name,
            "visit_id": self.id,
            "vin": self.vehicle_id.vin,
            "odometer_km": self.odometer_km,
            "service_type": self.service_type,
            "milestone_km": self.milestone_km or None,
            "work_done": self.work_done or None,
            "advisor": self.advisor_id.name or None,
            "csat": "agent",
        }

    @api.private
    def _record_csat(self, score):
        """Store the customer's 1–5; ≤ 2 is a service recovery for the manager. Returns the event."""
        self.ensure_one()
        self.write({"csat_score": str(score), "csat_at": fields.Datetime.now()})
        recovery = score <= 2
        if recovery:
            manager = self.company_id.postventa_followup_manager_id or self.env.ref("base.user_admin")
            self.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=manager.id,
                summary=self.env._("Service recovery: CSAT %(score)s on %(visit)s", score=score, visit=self.name),
                note=self.env._("The customer rated the service %(score)s of 5. Call them today.", score=score),
            )
        return self.env["postventa.event"]._emit("csat.received", self, {
            "visit": self.name, "visit_id": self.id, "case": self.case_id.name or None,
            "vin": self.vehicle_id.vin, "score": score, "recovery": recovery,
            "advisor": self.advisor_id.name or None,
        })
