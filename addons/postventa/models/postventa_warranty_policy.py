from datetime import datetime, time

import pytz
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..engine import replay
from ..engine import warranty_policy as engine

POLICY_STATES = [("draft", "Draft"), ("active", "Active")]


class PostventaWarrantyPolicy(models.Model):
    _name = "postventa.warranty.policy"
    _description = "Warranty Policy Version"
    _inherit = ["mail.thread"]
    _order = "date_from desc, id desc"

    name = fields.Char(required=True, translate=True, tracking=True)
    version = fields.Char(required=True, tracking=True, help="Written on every decision taken under it.")
    date_from = fields.Date(
        string="Valid From", required=True, default=fields.Date.context_today, tracking=True,
        help="The policy in force is the latest active version whose start date has passed.",
    )
    company_id = fields.Many2one("res.company", help="Leave empty to share the policy between companies.")
    coverage_ids = fields.One2many("postventa.coverage", "policy_id", string="Coverages", copy=True)
    decision_count = fields.Integer(compute="_compute_decision_count")
    active = fields.Boolean(default=True, tracking=True)
    # What-if: a new version is drafted, simulated over past decisions, then activated on a date.
    state = fields.Selection(
        POLICY_STATES, default="active", required=True, tracking=True, index=True,
        help="Only active versions are ever in force; a draft can be simulated and then activated.",
    )
    wear_fault_ids = fields.Many2many(
        "postventa.fault", "postventa_warranty_policy_wear_fault_rel", "policy_id", "fault_id",
        string="Excluded Wear Items",
        help="Faults this version excludes as wear items, besides those flagged in the catalog.",
    )

    _version_uniq = models.Constraint("UNIQUE(version)", "Policy versions must be unique.")

    def _compute_decision_count(self):
        counts = dict(
            self.env["postventa.warranty.decision"]._read_group(
                [("policy_id", "in", self.ids)], ["policy_id"], ["__count"]
            )
        )
        for policy in self:
            policy.decision_count = counts.get(policy, 0)

    @api.model
    def _find_current(self, on_date=None, company=None):
        """The policy in force (possibly empty)."""
        company = company or self.env.company
        on_date = on_date or fields.Date.context_today(self)
        return self.search(
            [("date_from", "<=", on_date), ("company_id", "in", [company.id, False]), ("state", "=", "active")],
            order="date_from desc, id desc",
            limit=1,
        )

    @api.model
    def _get_current(self, on_date=None, company=None):
        policy = self._find_current(on_date, company)
        if not policy:
            raise UserError(self.env._("No active warranty policy is in force on %(date)s.", date=on_date))
        return policy

    def _to_engine(self):
        self.ensure_one()
        return engine.Policy(
            version=self.version,
            coverages=tuple(coverage._to_engine() for coverage in self.coverage_ids.filtered("active")),
            wear_fault_codes=frozenset(self.wear_fault_ids.mapped("code")),
        )

    def action_new_version(self):
        """Copy this policy as the next editable version (decisions keep pointing at the old one)."""
        self.ensure_one()
        new = self.copy({
            "version": f"{self.version}-new", "date_from": fields.Date.context_today(self), "state": "draft",
        })
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": new.id,
            "view_mode": "form",
        }

    # --- what-if: simulate a version over past decisions, then activate it -----------------------
    def action_open_simulation(self):
        """The *Simular* screen for this version (period defaults to the last 12 months)."""
        self.ensure_one()
        self._check_may_simulate()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Simulate %(version)s", version=self.version),
            "res_model": "postventa.warranty.simulation",
            "view_mode": "form",
            "target": "new",
            "context": {"default_policy_id": self.id},
        }

    def action_open_activation(self):
        self.ensure_one()
        self._check_may_activate()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Activate %(version)s", version=self.version),
            "res_model": "postventa.warranty.policy.activation",
            "view_mode": "form",
            "target": "new",
            "context": {"default_policy_id": self.id},
        }

    def simulate(self, date_from, date_to):
        """What this version would have decided for the cases decided between ``date_from`` and
        ``date_to`` (dates, inclusive): ``{"cases", "unchanged", "flips", "flipped_case_ids",
        "cost_impact"}``. Writes nothing. Callers: warranty managers and administrators (JSON-2 too).
        """
        self.ensure_one()
        replayed, costs = self._simulate_replay(date_from, date_to)
        return replay.summarize(replayed, lambda item: costs.get(item.stored.case_id, 0.0))

    def action_activate(self, effective_date=None):
        """Put this draft version in force from ``effective_date`` (default today; not in the past).

        Decisions already taken keep the version they name; every evaluation on or after the date uses
        this one (:meth:`_find_current`). Callers: administrators.
        """
        self._check_may_activate()
        today = fields.Date.context_today(self)
        effective = fields.Date.to_date(effective_date) if effective_date else today
        if effective < today:
            raise UserError(self.env._("The effective date cannot be in the past (%(date)s).", date=effective))
        for policy in self:
            if policy.state != "draft":
                raise UserError(self.env._("Only a draft version can be activated (%(v)s).", v=policy.version))
            if not policy.coverage_ids.filtered("active"):
                raise UserError(self.env._("Version %(v)s has no coverage.", v=policy.version))
        self.write({"state": "active", "date_from": effective})
        return True

    @api.private
    def _check_may_simulate(self):
        if not self.env.user.has_group("postventa.group_postventa_warranty_manager"):
            raise AccessError(self.env._("Only a warranty manager can simulate a warranty policy."))
        self.check_access("read")

    @api.private
    def _check_may_activate(self):
        if not self.env.user.has_group("postventa.group_postventa_admin"):
            raise AccessError(self.env._("Only a postventa administrator can activate a warranty policy."))
        self.check_access("write")

    @api.private
    def _simulate_replay(self, date_from, date_to):
        """(replayed decisions, {case id: cost impact}) of this version over the period.

        The latest engine decision of each case decided in the period (overrides are people's, not
        the engine's) is replayed from its stored inputs. Inputs are read in one query and the engine
        runs in plain Python: 100,000 decisions in a few seconds (bench/bench_whatif.py).
        """
        self.ensure_one()
        self._check_may_simulate()
        start, end = self._simulation_bounds(date_from, date_to)
        self.env["postventa.warranty.decision"].check_access("read")
        company_ids = self.env.companies.ids
        if self.company_id:
            company_ids = [cid for cid in company_ids if cid == self.company_id.id]
        self.env["postventa.warranty.decision"].flush_model()
        self.env.cr.execute(
            """
            SELECT DISTINCT ON (case_id) case_id, outcome, inputs, reason_text
              FROM postventa_warranty_decision
             WHERE is_override IS NOT TRUE AND inputs IS NOT NULL
               AND create_date >= %s AND create_date < %s AND company_id = ANY(%s)
             ORDER BY case_id, id DESC
            """,
            (start, end, company_ids),
        )
        stored = [replay.StoredDecision(*row) for row in self.env.cr.fetchall()]
        stored.sort(key=lambda row: row.case_id)
        replayed = list(replay.replay(self._to_engine(), stored))
        to_eligible = [r.stored.case_id for r in replayed if r.flipped and r.decision.outcome == engine.ELIGIBLE]
        to_no = [r.stored.case_id for r in replayed if r.flipped and r.decision.outcome == engine.NO_ELIGIBLE]
        costs = {case_id: -amount for case_id, amount in self._whatif_warranty_costs(to_no).items()}
        costs.update(self._whatif_quote_totals(to_eligible))
        return replayed, costs

    @api.model
    def _whatif_warranty_costs(self, case_ids):
        """{case id: warranty ticket cost} — what the warranty would no longer pay for these cases.
        Called after the caller was checked; the totals are aggregates of the user's companies' cases."""
        if not case_ids:
            return {}
        groups = self.env["postventa.warranty.ticket"].sudo()._read_group(
            [("case_id", "in", case_ids), ("state", "!=", "rejected")], ["case_id"], ["total_cost:sum"]
        )
        return {case.id: total for case, total in groups}

    @api.model
    def _whatif_quote_totals(self, case_ids):
        """{case id: quote total} — what the warranty would now pay for these cases. The quotes live in
        ``postventa_purchase`` (sale.order), which extends this; without it there is no quote."""
        return {}

    def _simulation_bounds(self, date_from, date_to):
        """The period's dates (the user's calendar days, inclusive) as naive UTC datetimes [start, end)."""
        try:
            first = fields.Date.to_date(date_from)
            last = fields.Date.to_date(date_to)
        except (TypeError, ValueError) as exc:
            raise UserError(self.env._("Dates must be YYYY-MM-DD (%(error)s).", error=exc)) from exc
        if not first or not last:
            raise UserError(self.env._("A simulation needs a start and an end date."))
        if first > last:
            raise UserError(self.env._("The period starts after it ends."))
        tz = pytz.timezone(self.env.context.get("tz") or self.env.user.tz or "UTC")

        def utc(day):
            return tz.localize(datetime.combine(day, time.min)).astimezone(pytz.UTC).replace(tzinfo=None)

        return utc(first), utc(last + relativedelta(days=1))
