from odoo import api, models


class PostventaWarrantyPolicy(models.Model):
    _inherit = "postventa.warranty.policy"

    @api.model
    def _whatif_quote_totals(self, case_ids):
        """Quote totals (sale.order, not cancelled) of cases a simulated version would make eligible:
        the warranty would pay what the customer was quoted. Called by the simulation after it checked
        its caller."""
        totals = super()._whatif_quote_totals(case_ids)
        if case_ids:
            groups = self.env["sale.order"].sudo()._read_group(
                [("postventa_case_id", "in", case_ids), ("state", "!=", "cancel")],
                ["postventa_case_id"], ["amount_total:sum"],
            )
            for case, total in groups:
                totals[case.id] = totals.get(case.id, 0.0) + total
        return totals
