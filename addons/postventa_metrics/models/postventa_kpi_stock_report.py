from odoo import fields, models, tools


class PostventaKpiStockReport(models.Model):
    """Spare parts per company, product and calendar month (UTC): units out to customers, on hand in
    internal locations at the month's start and end, and that month's turnover (docs/metrics.md).

    Sum ``units_out`` and ``avg_on_hand`` over a slice and divide to get the slice's turnover; the
    per-row ``turnover`` is the product-month's own (empty when its average on hand is 0: "n/a").
    """

    _name = "postventa.kpi.stock.report"
    _description = "Spare Parts Rotation Analysis"
    _auto = False
    _order = "date desc, product_id"

    company_id = fields.Many2one("res.company", readonly=True)
    date = fields.Date(string="Month", readonly=True)
    product_id = fields.Many2one("product.product", string="Spare Part", readonly=True)
    supplier_id = fields.Many2one("res.partner", string="Main Supplier", readonly=True,
                                  help="The part's first vendor (lowest sequence) in its supplier list.")
    units_out = fields.Float(readonly=True, digits="Product Unit")
    on_hand_start = fields.Float(string="On Hand at Start", readonly=True, digits="Product Unit")
    on_hand_end = fields.Float(string="On Hand at End", readonly=True, digits="Product Unit")
    avg_on_hand = fields.Float(string="Average On Hand", readonly=True, digits="Product Unit")
    turnover = fields.Float(readonly=True, aggregator=None, digits=(16, 4))

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(f"""
            CREATE OR REPLACE VIEW {self._table} AS (
                WITH moves AS (
                    SELECT ml.company_id, ml.product_id, date_trunc('month', ml.date)::date AS month,
                           SUM(CASE WHEN sl.usage = 'internal' AND dl.usage = 'customer'
                                    THEN ml.quantity_product_uom ELSE 0 END) AS units_out,
                           SUM(CASE WHEN dl.usage = 'internal' AND sl.usage <> 'internal' THEN ml.quantity_product_uom
                                    WHEN sl.usage = 'internal' AND dl.usage <> 'internal'
                                    THEN -ml.quantity_product_uom ELSE 0 END) AS net
                      FROM stock_move_line ml
                      JOIN stock_location sl ON sl.id = ml.location_id
                      JOIN stock_location dl ON dl.id = ml.location_dest_id
                      JOIN product_product pp ON pp.id = ml.product_id
                      JOIN product_template pt ON pt.id = pp.product_tmpl_id
                     WHERE ml.state = 'done' AND pt.postventa_is_part
                     GROUP BY 1, 2, 3
                ), grid AS (
                    SELECT g.company_id, g.product_id, gs.month::date AS month
                      FROM (SELECT company_id, product_id, MIN(month) AS first_month FROM moves GROUP BY 1, 2) g
                     CROSS JOIN LATERAL generate_series(g.first_month::timestamp,
                                                        date_trunc('month', now() AT TIME ZONE 'UTC'),
                                                        interval '1 month') AS gs(month)
                ), running AS (
                    SELECT grid.company_id, grid.product_id, grid.month,
                           COALESCE(moves.units_out, 0) AS units_out,
                           SUM(COALESCE(moves.net, 0)) OVER w AS on_hand_end,
                           SUM(COALESCE(moves.net, 0)) OVER w - COALESCE(moves.net, 0) AS on_hand_start
                      FROM grid
                      LEFT JOIN moves USING (company_id, product_id, month)
                    WINDOW w AS (PARTITION BY grid.company_id, grid.product_id ORDER BY grid.month)
                )
                SELECT row_number() OVER (ORDER BY r.month, r.company_id, r.product_id) AS id,
                       r.company_id, r.month AS date, r.product_id, seller.partner_id AS supplier_id,
                       r.units_out, r.on_hand_start, r.on_hand_end,
                       (r.on_hand_start + r.on_hand_end) / 2.0 AS avg_on_hand,
                       CASE WHEN r.on_hand_start + r.on_hand_end > 0
                            THEN r.units_out / ((r.on_hand_start + r.on_hand_end) / 2.0) END AS turnover
                  FROM running r
                  JOIN product_product pp ON pp.id = r.product_id
                  LEFT JOIN LATERAL (
                        SELECT si.partner_id FROM product_supplierinfo si
                         WHERE si.product_tmpl_id = pp.product_tmpl_id
                           AND (si.company_id IS NULL OR si.company_id = r.company_id)
                         ORDER BY si.sequence, si.id LIMIT 1) AS seller ON TRUE
            )""")
