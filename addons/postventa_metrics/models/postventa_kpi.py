"""``postventa.kpi.compute_kpis``: the four after-sales metrics of one company and period (docs/metrics.md).

One SQL aggregate per metric (no ORM loop), so the answer stays well under a second on 100,000 cases
(bench/bench_kpi.py). Raw SQL bypasses record rules: the caller's group and company are checked first.
"""

from odoo import api, models
from odoo.exceptions import AccessError, UserError

from .. import kpi

# Who may call compute_kpis: after-sales managers (administrators imply them) and the bridge's
# integration user (GET /admin/metrics).
KPI_GROUPS = ("postventa.group_postventa_warranty_manager", "postventa.group_postventa_integration")

ATTACH_SQL = """
    SELECT COUNT(*) AS denominator, COUNT(sold.case_id) AS numerator
      FROM postventa_case c
      JOIN postventa_warranty_decision d ON d.id = c.decision_id
      LEFT JOIN (SELECT DISTINCT postventa_case_id AS case_id FROM sale_order
                  WHERE state = 'sale' AND postventa_case_id IS NOT NULL) AS sold ON sold.case_id = c.id
     WHERE c.company_id = %(company)s AND d.outcome = 'no_eligible'
       AND d.create_date >= %(start)s AND d.create_date < %(end)s
"""

RESOLUTION_SQL = """
    SELECT COUNT(*) AS count, AVG(h) AS mean,
           percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY h) AS percentiles
      FROM (SELECT GREATEST(0, EXTRACT(EPOCH FROM c.date_done - c.create_date)) / 3600.0 AS h
              FROM postventa_case c
             WHERE c.company_id = %(company)s AND c.state = 'done'
               AND c.date_done >= %(start)s AND c.date_done < %(end)s) AS closed
"""

# Signed effect of a done move line on the internal on-hand: in (+), out (-), internal transfer (0).
STOCK_SQL = """
    SELECT COALESCE(SUM(q) FILTER (WHERE src = 'internal' AND dst = 'customer' AND date >= %(start)s), 0)
               AS units_out,
           COALESCE(SUM(signed) FILTER (WHERE date < %(start)s), 0) AS on_hand_start,
           COALESCE(SUM(signed), 0) AS on_hand_end
      FROM (SELECT ml.date, ml.quantity_product_uom AS q, sl.usage AS src, dl.usage AS dst,
                   CASE WHEN dl.usage = 'internal' AND sl.usage <> 'internal' THEN ml.quantity_product_uom
                        WHEN sl.usage = 'internal' AND dl.usage <> 'internal' THEN -ml.quantity_product_uom
                        ELSE 0 END AS signed
              FROM stock_move_line ml
              JOIN stock_location sl ON sl.id = ml.location_id
              JOIN stock_location dl ON dl.id = ml.location_dest_id
              JOIN product_product pp ON pp.id = ml.product_id
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
             WHERE ml.state = 'done' AND ml.company_id = %(company)s AND pt.postventa_is_part
               AND ml.date < %(end)s) AS moves
"""

WARRANTY_SQL = """
    SELECT COUNT(*) AS tickets, COALESCE(SUM(t.parts_cost), 0) AS parts, COALESCE(SUM(t.labor_cost), 0) AS labor
      FROM postventa_warranty_ticket t
     WHERE t.company_id = %(company)s AND t.create_date >= %(start)s AND t.create_date < %(end)s
"""


class PostventaKpi(models.AbstractModel):
    _name = "postventa.kpi"
    _description = "After-Sales Metrics"

    @api.model
    def compute_kpis(self, date_from, date_to, company_id=None):
        """The four metrics of ``company_id`` (default: the current company) between two dates, both
        included, in the caller's time zone. Contract (JSON-2)::

            {"period": {"from", "to"}, "currency": "MXN",
             "attach_rate": {"value", "numerator", "denominator"},
             "resolution_hours": {"count", "mean", "median", "p90"},
             "stock_rotation": {"units_out", "avg_on_hand", "turnover", "days_of_inventory"},
             "warranty_cost": {"tickets", "parts", "labor", "total", "per_ticket"}}

        Callers: after-sales managers and administrators, and the integration user; others get an
        AccessError, and so does a company the caller does not belong to.
        """
        company = self._kpi_company(company_id)
        try:
            start, end = kpi.parse_period(date_from, date_to)
        except kpi.PeriodError as exc:
            raise UserError(self.env._("Invalid period: %(reason)s", reason=str(exc))) from None
        return self._kpi_compute(company, start, end)

    @api.private
    def _kpi_company(self, company_id):
        """The company to measure, after checking the caller may see metrics of it."""
        if not (self.env.su or any(self.env.user.has_group(group) for group in KPI_GROUPS)):
            raise AccessError(self.env._("Only after-sales managers and the integration user may read metrics."))
        if company_id in (None, False):
            return self.env.company
        if not isinstance(company_id, int) or isinstance(company_id, bool):
            raise UserError(self.env._("company_id must be a company id (an integer)."))
        company = self.env["res.company"].browse(company_id).exists()
        if not company or not (self.env.su or company in self.env.user.company_ids):
            raise AccessError(self.env._("You may not read the metrics of this company."))
        return company

    @api.private
    def _kpi_compute(self, company, start, end):
        tz = self.env.context.get("tz") or self.env.user.tz
        utc_start, utc_end = kpi.utc_bounds(start, end, tz)
        params = {"company": company.id, "start": utc_start, "end": utc_end}
        cr = self.env.cr
        self.env.flush_all()
        cr.execute(ATTACH_SQL, params)
        denominator, numerator = cr.fetchone()
        cr.execute(RESOLUTION_SQL, params)
        count, mean, percentiles = cr.fetchone()
        median, p90 = percentiles or (None, None)
        cr.execute(STOCK_SQL, params)
        units_out, on_hand_start, on_hand_end = cr.fetchone()
        cr.execute(WARRANTY_SQL, params)
        tickets, parts, labor = cr.fetchone()
        currency = company.sudo().currency_id  # the caller was checked; the bridge's user reads no companies
        return kpi.result(
            start, end, currency.name,
            attach=kpi.attach_rate(numerator, denominator),
            resolution=kpi.resolution_hours(count, mean, median, p90),
            stock=kpi.stock_rotation(units_out, on_hand_start, on_hand_end, (end - start).days + 1),
            warranty=kpi.warranty_cost(tickets, float(parts), float(labor), currency.round),
        )
