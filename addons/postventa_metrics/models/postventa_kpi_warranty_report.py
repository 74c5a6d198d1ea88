from odoo import fields, models, tools


class PostventaKpiWarrantyReport(models.Model):
    """One row per warranty ticket, dated when it was opened: parts, labor and total cost."""

    _name = "postventa.kpi.warranty.report"
    _description = "Warranty Cost Analysis"
    _auto = False
    _order = "date desc"

    ticket_id = fields.Many2one("postventa.warranty.ticket", string="Warranty Ticket", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    date = fields.Datetime(string="Opened On", readonly=True)
    system_id = fields.Many2one("postventa.vehicle.system", string="Fault System", readonly=True)
    fault_id = fields.Many2one("postventa.fault", readonly=True)
    vehicle_model = fields.Char(readonly=True)
    coverage_code = fields.Char(string="Coverage", readonly=True)
    user_id = fields.Many2one("res.users", string="Advisor", readonly=True)
    parts_cost = fields.Monetary(readonly=True)
    labor_cost = fields.Monetary(readonly=True)
    total_cost = fields.Monetary(readonly=True)
    cost_per_ticket = fields.Monetary(string="Cost per Ticket", aggregator="avg", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(f"""
            CREATE OR REPLACE VIEW {self._table} AS (
                SELECT t.id AS id, t.id AS ticket_id, t.company_id, rc.currency_id, t.create_date AS date,
                       f.system_id, t.fault_id, v.model_name AS vehicle_model, t.coverage_code, c.user_id,
                       COALESCE(t.parts_cost, 0) AS parts_cost, COALESCE(t.labor_cost, 0) AS labor_cost,
                       COALESCE(t.parts_cost, 0) + COALESCE(t.labor_cost, 0) AS total_cost,
                       COALESCE(t.parts_cost, 0) + COALESCE(t.labor_cost, 0) AS cost_per_ticket
                  FROM postventa_warranty_ticket t
                  JOIN postventa_case c ON c.id = t.case_id
                  JOIN res_company rc ON rc.id = t.company_id
                  LEFT JOIN postventa_fault f ON f.id = t.fault_id
                  LEFT JOIN postventa_vehicle v ON v.id = COALESCE(t.vehicle_id, c.vehicle_id)
            )""")
