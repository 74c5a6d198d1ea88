from odoo import fields, models, tools

OUTCOMES = [("eligible", "Eligible"), ("review", "Review"), ("no_eligible", "Not eligible")]


class PostventaKpiResolutionReport(models.Model):
    """One row per closed (done) case: hours from creation to done. Cancelled cases never appear."""

    _name = "postventa.kpi.resolution.report"
    _description = "Resolution Time Analysis"
    _auto = False
    _order = "date desc"

    case_id = fields.Many2one("postventa.case", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    date = fields.Datetime(string="Closed On", readonly=True)
    outcome = fields.Selection(OUTCOMES, readonly=True)
    system_id = fields.Many2one("postventa.vehicle.system", string="Fault System", readonly=True)
    fault_id = fields.Many2one("postventa.fault", readonly=True)
    vehicle_model = fields.Char(readonly=True)
    user_id = fields.Many2one("res.users", string="Advisor", readonly=True)
    resolution_hours = fields.Float(string="Resolution Time (h)", aggregator="avg", readonly=True, digits=(16, 2))
    max_resolution_hours = fields.Float(string="Longest Resolution (h)", aggregator="max", readonly=True,
                                        digits=(16, 2))

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(f"""
            CREATE OR REPLACE VIEW {self._table} AS (
                SELECT c.id AS id, c.id AS case_id, c.company_id, c.date_done AS date, d.outcome,
                       f.system_id, c.fault_id, v.model_name AS vehicle_model, c.user_id,
                       GREATEST(0, EXTRACT(EPOCH FROM c.date_done - c.create_date)) / 3600.0 AS resolution_hours,
                       GREATEST(0, EXTRACT(EPOCH FROM c.date_done - c.create_date)) / 3600.0
                           AS max_resolution_hours
                  FROM postventa_case c
                  LEFT JOIN postventa_warranty_decision d ON d.id = c.decision_id
                  LEFT JOIN postventa_fault f ON f.id = c.fault_id
                  LEFT JOIN postventa_vehicle v ON v.id = c.vehicle_id
                 WHERE c.state = 'done' AND c.date_done IS NOT NULL
            )""")
