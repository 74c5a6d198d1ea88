from collections import Counter

from dateutil.relativedelta import relativedelta
from markupsafe import Markup, escape

from odoo import api, fields, models

from ..engine import warranty_policy as engine
from ..models.postventa_warranty_decision import OUTCOMES


class PostventaWarrantySimulation(models.TransientModel):
    """*Simular*: what a policy version would have decided for the cases decided in a period.

    Runs :meth:`postventa.warranty.policy.simulate`'s replay and shows it: counts, the flip matrix,
    the cost impact and the flipped cases (old and new reasons side by side, exportable). Writes no
    decision. Warranty managers and administrators only (checked by the policy's replay).
    """

    _name = "postventa.warranty.simulation"
    _description = "Warranty Policy Simulation"

    policy_id = fields.Many2one("postventa.warranty.policy", required=True, ondelete="cascade")
    policy_state = fields.Selection(related="policy_id.state", string="Policy Status")
    date_from = fields.Date(
        string="Decided From", required=True,
        default=lambda self: fields.Date.context_today(self) - relativedelta(months=12),
    )
    date_to = fields.Date(string="Decided Until", required=True, default=fields.Date.context_today)
    state = fields.Selection([("setup", "Setup"), ("done", "Done")], default="setup", required=True)
    case_count = fields.Integer(string="Cases Replayed", readonly=True)
    unchanged_count = fields.Integer(string="Unchanged", readonly=True)
    flip_count = fields.Integer(string="Changed", readonly=True)
    flip_matrix = fields.Html(readonly=True, sanitize=False, help="Stored outcome (rows) against the simulated one.")
    currency_id = fields.Many2one("res.currency", default=lambda self: self.env.company.currency_id)
    cost_impact = fields.Monetary(
        readonly=True,
        help="Quote totals of cases that would become eligible minus warranty ticket costs of cases that "
        "would become not eligible.",
    )
    cost_added = fields.Monetary(string="Quotes Becoming Warranty", readonly=True)
    cost_saved = fields.Monetary(string="Warranty Costs Avoided", readonly=True)
    line_ids = fields.One2many("postventa.warranty.simulation.line", "simulation_id", string="Flipped Cases")

    def action_simulate(self):
        self.ensure_one()
        replayed, costs = self.policy_id._simulate_replay(self.date_from, self.date_to)
        pairs = Counter((r.stored.outcome, r.decision.outcome) for r in replayed)
        flipped = [r for r in replayed if r.flipped]
        self.line_ids.unlink()
        self.write({
            "state": "done",
            "case_count": len(replayed),
            "unchanged_count": len(replayed) - len(flipped),
            "flip_count": len(flipped),
            "flip_matrix": self._flip_matrix_html(pairs),
            "cost_impact": sum(costs.get(r.stored.case_id, 0.0) for r in flipped),
            "cost_added": sum(max(costs.get(r.stored.case_id, 0.0), 0.0) for r in flipped),
            "cost_saved": -sum(min(costs.get(r.stored.case_id, 0.0), 0.0) for r in flipped),
            "line_ids": [fields.Command.create({
                "case_id": r.stored.case_id,
                "old_outcome": r.stored.outcome,
                "new_outcome": r.decision.outcome,
                "flip": f"{r.stored.outcome}->{r.decision.outcome}",
                "old_reasons": r.stored.reasons,
                "new_reasons": "\n".join(reason.message for reason in r.decision.reasons),
                "new_reason_codes": ",".join(reason.code for reason in r.decision.reasons),
                "cost_impact": costs.get(r.stored.case_id, 0.0),
            }) for r in flipped],
        })
        return self._reopen()

    def action_view_lines(self):
        """The flipped cases as a list (filter, group, export)."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Flipped cases: %(version)s", version=self.policy_id.version),
            "res_model": "postventa.warranty.simulation.line",
            "view_mode": "list",
            "domain": [("simulation_id", "=", self.id)],
            "context": {"create": False},
        }

    def action_open_activation(self):
        self.ensure_one()
        return self.policy_id.action_open_activation()

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Simulate %(version)s", version=self.policy_id.version),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    @api.model
    def _flip_matrix_html(self, pairs):
        labels = dict(self.env["postventa.warranty.simulation.line"]._fields["old_outcome"]._description_selection(
            self.env
        ))
        head = "".join(f"<th class='text-end'>{escape(labels[o])}</th>" for o in engine.OUTCOMES)
        rows = []
        for old in engine.OUTCOMES:
            cells = []
            for new in engine.OUTCOMES:
                count = pairs.get((old, new), 0)
                css = "text-end" + (" fw-bold text-warning" if old != new and count else "")
                cells.append(f"<td class='{css}'>{count}</td>")
            rows.append(f"<tr><th>{escape(labels[old])}</th>{''.join(cells)}</tr>")
        caption = escape(self.env._("Stored outcome (rows) → simulated outcome (columns)"))
        return Markup(
            f"<table class='table table-sm o_postventa_flip_matrix'><caption>{caption}</caption>"
            f"<thead><tr><th/>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        )


class PostventaWarrantySimulationLine(models.TransientModel):
    _name = "postventa.warranty.simulation.line"
    _description = "Warranty Policy Simulation: Flipped Case"
    _order = "flip, case_id"

    simulation_id = fields.Many2one("postventa.warranty.simulation", required=True, ondelete="cascade", index=True)
    case_id = fields.Many2one("postventa.case", required=True, ondelete="cascade")
    partner_id = fields.Many2one(related="case_id.partner_id", string="Customer")
    vehicle_id = fields.Many2one(related="case_id.vehicle_id")
    fault_id = fields.Many2one(related="case_id.fault_id")
    old_outcome = fields.Selection(OUTCOMES, string="Stored Outcome")
    new_outcome = fields.Selection(OUTCOMES, string="Simulated Outcome")
    flip = fields.Char(string="Change")
    old_reasons = fields.Text(string="Stored Reasons")
    new_reasons = fields.Text(string="Simulated Reasons")
    new_reason_codes = fields.Char(string="Simulated Reason Codes")
    currency_id = fields.Many2one(related="simulation_id.currency_id")
    cost_impact = fields.Monetary()
