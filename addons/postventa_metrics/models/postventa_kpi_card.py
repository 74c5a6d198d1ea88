from datetime import timedelta

from odoo import fields, models, tools

METRICS = [
    ("attach_rate", "Attach Rate"),
    ("resolution_hours", "Resolution Time"),
    ("stock_rotation", "Spare Parts Rotation"),
    ("warranty_cost", "Warranty Cost"),
]
REPORT_ACTIONS = {
    "attach_rate": "postventa_metrics.postventa_kpi_attach_report_action",
    "resolution_hours": "postventa_metrics.postventa_kpi_resolution_report_action",
    "stock_rotation": "postventa_metrics.postventa_kpi_stock_report_action",
    "warranty_cost": "postventa_metrics.postventa_kpi_warranty_report_action",
}


class PostventaKpiCard(models.Model):
    """The landing board: one card per metric, this month so far vs the whole previous month, for the
    current company (values from ``postventa.kpi.compute_kpis``)."""

    _name = "postventa.kpi.card"
    _description = "After-Sales Metric Card"
    _auto = False
    _order = "sequence"

    sequence = fields.Integer(readonly=True)
    code = fields.Selection(METRICS, string="Metric", readonly=True)
    current_value = fields.Float(string="This Month", compute="_compute_values", digits=(16, 4))
    previous_value = fields.Float(string="Previous Month", compute="_compute_values", digits=(16, 4))
    current_display = fields.Char(string="This Month (text)", compute="_compute_values")
    previous_display = fields.Char(string="Previous Month (text)", compute="_compute_values")
    detail_display = fields.Char(string="Detail", compute="_compute_values")
    trend = fields.Selection([("up", "Up"), ("down", "Down"), ("flat", "Same"), ("na", "n/a")],
                             compute="_compute_values")

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        # One row per entry of METRICS, in its order.
        self.env.cr.execute(f"""
            CREATE OR REPLACE VIEW {self._table} AS (
                SELECT v.id, v.id AS sequence, v.code::varchar AS code
                  FROM (VALUES (1, 'attach_rate'), (2, 'resolution_hours'), (3, 'stock_rotation'),
                               (4, 'warranty_cost')) AS v(id, code)
            )""")

    def _compute_values(self):
        today = fields.Date.context_today(self)
        month_start = today.replace(day=1)
        previous_end = month_start - timedelta(days=1)
        previous_start = previous_end.replace(day=1)
        Kpi = self.env["postventa.kpi"]
        current = Kpi.compute_kpis(month_start.isoformat(), today.isoformat())
        previous = Kpi.compute_kpis(previous_start.isoformat(), previous_end.isoformat())
        for card in self:
            now_value, now_text, detail = card._headline(current)
            before_value, before_text, _detail = card._headline(previous)
            card.current_value = now_value or 0.0
            card.previous_value = before_value or 0.0
            card.current_display = now_text
            card.previous_display = before_text
            card.detail_display = detail
            if now_value is None or before_value is None:
                card.trend = "na"
            else:
                card.trend = "up" if now_value > before_value else "down" if now_value < before_value else "flat"

    def _headline(self, kpis):
        """(number, text, detail) of this card's metric in a compute_kpis answer; number None means n/a."""
        na = self.env._("n/a")
        if self.code == "attach_rate":
            block = kpis["attach_rate"]
            value = None if block["value"] is None else round(block["value"] * 100, 1)
            detail = self.env._("%(sold)s of %(cases)s not-eligible cases with a confirmed sale",
                                sold=block["numerator"], cases=block["denominator"])
            return value, na if value is None else f"{value:.1f} %", detail
        if self.code == "resolution_hours":
            block = kpis["resolution_hours"]
            value = block["median"]
            detail = self.env._("%(count)s closed cases; mean %(mean)s h, p90 %(p90)s h", count=block["count"],
                                mean=na if block["mean"] is None else f"{block['mean']:.1f}",
                                p90=na if block["p90"] is None else f"{block['p90']:.1f}")
            return value, na if value is None else self.env._("%(hours)s h (median)", hours=f"{value:.1f}"), detail
        if self.code == "stock_rotation":
            block = kpis["stock_rotation"]
            value = block["turnover"]
            days = block["days_of_inventory"]
            detail = self.env._("%(out)s units out, %(avg)s on hand on average; days of inventory: %(days)s",
                                out=f"{block['units_out']:g}", avg=f"{block['avg_on_hand']:g}",
                                days=na if days is None else f"{days:.1f}")
            return value, na if value is None else f"{value:.2f}", detail
        block = kpis["warranty_cost"]
        currency = self.env.company.currency_id
        per_ticket = na if block["per_ticket"] is None else f"{block['per_ticket']:,.2f}"
        detail = self.env._("%(tickets)s tickets; %(per_ticket)s per ticket", tickets=block["tickets"],
                            per_ticket=per_ticket)
        return block["total"], f"{currency.symbol} {block['total']:,.2f} {currency.name}", detail

    def action_open_report(self):
        self.ensure_one()
        return self.env["ir.actions.act_window"]._for_xml_id(REPORT_ACTIONS[self.code])
