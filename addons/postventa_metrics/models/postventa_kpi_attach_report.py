from odoo import fields, models, tools


class PostventaKpiAttachReport(models.Model):
    """One row per case whose latest decision is *no_eligible*: the attach-rate population.

    The pivot's average of ``attach_rate`` over any slice is numerator / denominator of that slice.
    """

    _name = "postventa.kpi.attach.report"
    _description = "Attach Rate Analysis"
    _auto = False
    _order = "date desc"

    case_id = fields.Many2one("postventa.case", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    date = fields.Datetime(string="Decided On", readonly=True)
    system_id = fields.Many2one("postventa.vehicle.system", string="Fault System", readonly=True)
    fault_id = fields.Many2one("postventa.fault", readonly=True)
    vehicle_model = fields.Char(readonly=True)
    user_id = fields.Many2one("res.users", string="Advisor", readonly=True)
    attached_count = fields.Integer(string="Cases with Confirmed Sale", readonly=True)
    attach_rate = fields.Float(string="Attach Rate (%)", aggregator="avg", readonly=True, digits=(16, 2))

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(f"""
            CREATE OR REPLACE VIEW {self._table} AS (
                SELECT c.id AS id, c.id AS case_id, c.company_id, d.create_date AS date,
                       f.system_id, c.fault_id, v.model_name AS vehicle_model, c.user_id,
                       sold.attached AS attached_count, 100.0 * sold.attached AS attach_rate
                  FROM postventa_case c
                  JOIN postventa_warranty_decision d ON d.id = c.decision_id
                  LEFT JOIN postventa_fault f ON f.id = c.fault_id
                  LEFT JOIN postventa_vehicle v ON v.id = c.vehicle_id
                 CROSS JOIN LATERAL (
                       SELECT CASE WHEN EXISTS (SELECT 1 FROM sale_order so
                                                 WHERE so.postventa_case_id = c.id AND so.state = 'sale')
                                   THEN 1 ELSE 0 END AS attached) AS sold
                 WHERE d.outcome = 'no_eligible'
            )""")
