from collections import defaultdict

from markupsafe import Markup

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..engine import assignment
from ..engine import warranty_policy as engine
from .postventa_event import precise_now

CASE_STATES = [
    ("new", "New"),
    ("evidence", "Waiting for Evidence"),
    ("evaluated", "Evaluated"),
    ("in_progress", "In Progress"),
    ("done", "Done"),
    ("cancelled", "Cancelled"),
]
WARRANTY_STATUSES = [
    ("pending", "Pending"),
    ("eligible", "Eligible"),
    ("review", "Review"),
    ("no_eligible", "Not eligible"),
]
OPEN_STATES = ("new", "evidence", "evaluated", "in_progress")
# Owned by the warranty engine, a manager's override, the bridge or write()'s own stamps: users never write
# them directly (over JSON-2 or the ORM); the owners go through _write_protected after checking the caller.
PROTECTED_FIELDS = frozenset({
    "name", "neon_id", "warranty_status", "decision_id", "decision_ids", "ticket_id", "ticket_ids",
    "evidence_complete", "evidence_missing", "is_ready", "resolution_hours", "bridge_touched_at",
    "date_evidence", "date_evaluated", "date_in_progress", "date_done", "date_cancelled", "whatsapp_last_inbound_at",
})
# What a new case may say about them (the defaults).
PROTECTED_CREATE_DEFAULTS = {"name": "/", "warranty_status": "pending"}
# The moves a person may make on a case's state (the header buttons, a kanban drag, JSON-2 ``write``):
# target -> (the states it may come from, the warranty statuses it needs). "new", "evidence" and
# "evaluated" are set by the checklist, the warranty evaluation and "Reset to New" only.
USER_TRANSITIONS = {
    "in_progress": (("evaluated",), ("eligible", "no_eligible")),
    "done": (("in_progress",), None),
    "cancelled": (OPEN_STATES, None),
}


class PostventaCase(models.Model):
    _name = "postventa.case"
    _description = "After-Sales Case"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "priority desc, id desc"
    _check_company_auto = True

    # --- identity -----------------------------------------------------------------------
    name = fields.Char(string="Reference", required=True, readonly=True, copy=False, default="/", index=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    user_id = fields.Many2one(
        "res.users", string="Responsible", tracking=True, default=lambda self: self._default_advisor(),
        domain="[('share', '=', False)]",
    )
    priority = fields.Selection([("0", "Normal"), ("1", "Urgent")], default="0")
    color = fields.Integer()
    neon_id = fields.Integer(string="Neon ID", copy=False, readonly=True, index="btree_not_null",
                             help="Id of the case in the WhatsApp channel store (Neon).")
    # --- customer and vehicle -----------------------------------------------------------
    partner_id = fields.Many2one("res.partner", string="Customer", tracking=True, index=True)
    whatsapp_contact = fields.Char(string="WhatsApp", help="Sender in E.164, e.g. +5215512345678.")
    vehicle_id = fields.Many2one("postventa.vehicle", tracking=True, index=True, check_company=True)
    vin_reported = fields.Char(string="Reported VIN", help="VIN as the customer sent it.")
    plate_reported = fields.Char(string="Reported Plate")
    powertrain = fields.Selection(related="vehicle_id.powertrain")
    delivery_date = fields.Date(related="vehicle_id.delivery_date")
    odometer_km = fields.Integer(string="Odometer at Intake (km)", tracking=True)
    # --- fault and evidence -------------------------------------------------------------
    fault_id = fields.Many2one("postventa.fault", tracking=True, index=True)
    fault_code_reported = fields.Char(help="Fault code proposed by the channel when it is not in the catalog.")
    severity = fields.Selection(related="fault_id.severity", store=True)
    description = fields.Text()
    evidence_ids = fields.One2many("postventa.case.evidence", "case_id", string="Evidence Checklist")
    evidence_complete = fields.Boolean(compute="_compute_evidence", store=True)
    evidence_missing = fields.Char(string="Missing Evidence", compute="_compute_evidence", store=True)
    attachment_count = fields.Integer(string="Evidence Files", compute="_compute_attachment_count")
    # --- workflow -------------------------------------------------------------------------
    state = fields.Selection(
        CASE_STATES, default="new", required=True, tracking=True, index=True, group_expand="_expand_states"
    )
    warranty_status = fields.Selection(WARRANTY_STATUSES, default="pending", required=True, tracking=True,
                                       index=True, readonly=True,
                                       help="Set by the warranty evaluation or a manager's override.")
    decision_ids = fields.One2many("postventa.warranty.decision", "case_id", string="Decisions")
    decision_id = fields.Many2one("postventa.warranty.decision", string="Latest Decision",
                                  compute="_compute_decision_id", store=True)
    decision_reasons = fields.Text(related="decision_id.reason_text", string="Decision Reasons")
    decision_count = fields.Integer(compute="_compute_counts")
    ticket_ids = fields.One2many("postventa.warranty.ticket", "case_id", string="Warranty Tickets")
    ticket_id = fields.Many2one("postventa.warranty.ticket", compute="_compute_ticket_id", store=True,
                                string="Warranty Ticket")
    ticket_count = fields.Integer(compute="_compute_counts")
    is_ready = fields.Boolean(string="Ready to Evaluate", compute="_compute_is_ready", store=True)
    # Transition timestamps, for resolution-time metrics.
    date_evidence = fields.Datetime(string="Evidence Requested On", readonly=True, copy=False)
    date_evaluated = fields.Datetime(string="Evaluated On", readonly=True, copy=False)
    date_in_progress = fields.Datetime(string="Started On", readonly=True, copy=False)
    date_done = fields.Datetime(string="Closed On", readonly=True, copy=False)
    date_cancelled = fields.Datetime(string="Cancelled On", readonly=True, copy=False)
    resolution_hours = fields.Float(compute="_compute_resolution_hours", store=True, aggregator="avg")
    bridge_touched_at = fields.Datetime(readonly=True, copy=False,
                                        help="Bumped when a related document changes, so the bridge sees it.")

    _neon_id_uniq = models.Constraint("UNIQUE(neon_id)", "Another case is already bound to this Neon id.")
    _odometer_positive = models.Constraint("CHECK(odometer_km >= 0)", "The odometer cannot be negative.")

    # --- computes ---------------------------------------------------------------------------
    @api.depends("evidence_ids.provided", "evidence_ids.required", "evidence_ids.code")
    def _compute_evidence(self):
        for case in self:
            missing = case.evidence_ids.filtered(lambda e: e.required and not e.provided)
            case.evidence_complete = not missing
            case.evidence_missing = ", ".join(missing.mapped("evidence_type_id.name")) or False

    def _compute_attachment_count(self):
        counts = dict(self.env["ir.attachment"]._read_group(
            [("res_model", "=", self._name), ("res_id", "in", self.ids)], ["res_id"], ["__count"]
        ))
        for case in self:
            case.attachment_count = counts.get(case.id, 0)

    @api.depends("decision_ids")
    def _compute_decision_id(self):
        for case in self:
            case.decision_id = case.decision_ids.sorted("id")[-1:]

    @api.depends("ticket_ids")
    def _compute_ticket_id(self):
        for case in self:
            case.ticket_id = case.ticket_ids.sorted("id")[-1:]

    def _compute_counts(self):
        for case in self:
            case.decision_count = len(case.decision_ids)
            case.ticket_count = len(case.ticket_ids)

    @api.depends("state", "vehicle_id", "vin_reported", "plate_reported", "fault_id", "odometer_km",
                 "evidence_complete")
    def _compute_is_ready(self):
        # A vehicle the customer named but we cannot find is evaluated too: the engine sends it to
        # review (vehicle_unknown) and a person links it, instead of the case waiting unseen.
        for case in self:
            case.is_ready = bool(
                case.state in ("new", "evidence")
                and (case.vehicle_id or case.vin_reported or case.plate_reported)
                and case.fault_id and case.odometer_km and case.evidence_complete
            )

    @api.depends("date_done", "create_date")
    def _compute_resolution_hours(self):
        for case in self:
            if case.date_done and case.create_date:
                # create_date is the database's clock, date_done Python's: never report a negative time
                case.resolution_hours = max(0.0, (case.date_done - case.create_date).total_seconds() / 3600)
            else:
                case.resolution_hours = 0.0

    @api.model
    def _expand_states(self, states, domain):
        return [key for key, _label in CASE_STATES if key != "cancelled"]

    # --- CRUD --------------------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            for vals in vals_list:
                self._check_protected_fields(
                    [f for f in PROTECTED_FIELDS.intersection(vals)
                     if vals[f] and vals[f] != PROTECTED_CREATE_DEFAULTS.get(f)]
                )
                if vals.get("state", "new") != "new":
                    raise AccessError(self.env._("A new after-sales case starts in the state New."))
        unnamed = [vals for vals in vals_list if vals.get("name", "/") == "/"]
        for vals, name in zip(unnamed, self._next_references(len(unnamed)), strict=True):
            vals["name"] = name
        unassigned = [vals for vals in vals_list if not vals.get("user_id")]
        if unassigned and (counter := self._default_advisor()):
            for vals in unassigned:
                vals["user_id"] = counter.id
        else:
            self._assign_advisors(unassigned)
        cases = super().create(vals_list)
        cases._sync_evidence_lines()
        return cases

    def write(self, vals):
        if not self.env.su:
            self._check_protected_fields(PROTECTED_FIELDS.intersection(vals))
            if "state" in vals:
                self._check_state_transition(vals["state"])
        if "state" in vals:
            stamp = f"date_{vals['state']}"
            if stamp in self._fields:
                vals = dict(vals, **{stamp: precise_now()})  # the timeline orders by it
        result = super().write(vals)
        if "fault_id" in vals:
            self._sync_evidence_lines()
        return result

    @api.model
    def _check_protected_fields(self, names):
        if names:
            raise AccessError(self.env._(
                "%(fields)s of an after-sales case are set by the warranty evaluation, a manager's override or "
                "the WhatsApp channel, not edited directly.",
                fields=", ".join(sorted(self._fields[name].string for name in names)),
            ))

    def _check_state_transition(self, target):
        """A person moves a case only along USER_TRANSITIONS, whatever the channel (button, kanban
        drag, JSON-2 ``write``); the evaluation and the reset go through ``_write_protected``."""
        allowed = USER_TRANSITIONS.get(target)
        if allowed is None:
            raise AccessError(self.env._(
                "The state %(state)s of an after-sales case is set by the evidence checklist and the warranty "
                "evaluation, not by hand.",
                state=dict(self._fields["state"]._description_selection(self.env)).get(target, target),
            ))
        sources, statuses = allowed
        states = dict(self._fields["state"]._description_selection(self.env))
        for case in self:
            if case.state == target:
                continue
            if case.state not in sources:
                raise UserError(self.env._(
                    "Case %(case)s cannot go from %(old)s to %(new)s.",
                    case=case.name, old=states.get(case.state, case.state), new=states.get(target, target),
                ))
            if statuses and case.warranty_status not in statuses:
                raise UserError(self.env._(
                    "Case %(case)s needs a warranty decision before work starts (a case under review is "
                    "decided by a warranty manager first).",
                    case=case.name,
                ))

    def _write_protected(self, vals):
        """The one way to write PROTECTED_FIELDS: for the engine, the override and the bridge, which
        check their caller first. Not reachable over RPC (private) and needs no context key."""
        return self.sudo().write(vals)

    @api.model
    def _next_references(self, count):
        """``count`` case references in one round trip when the sequence allows it (standard
        implementation, no date ranges); otherwise one ``next_by_code`` each, as Odoo does."""
        if not count:
            return []
        Sequence = self.env["ir.sequence"].sudo()
        sequence = Sequence.search(
            [("code", "=", "postventa.case"), ("company_id", "in", [self.env.company.id, False])],
            order="company_id", limit=1,
        )
        if count == 1 or not sequence or sequence.implementation != "standard" or sequence.use_date_range:
            return [Sequence.next_by_code("postventa.case") or "/" for _i in range(count)]
        self.env.cr.execute(
            "SELECT nextval(%s) FROM generate_series(1, %s)", (f"ir_sequence_{sequence.id:03d}", count)
        )
        return [sequence.get_next_char(number) for (number,) in self.env.cr.fetchall()]

    def _sync_evidence_lines(self):
        """Make the checklist match the fault: add what it requires, drop unprovided extras."""
        create_vals = []
        for case in self:
            required = case.fault_id.evidence_type_ids
            stale = case.evidence_ids.filtered(lambda e, r=required: e.evidence_type_id not in r and not e.provided)
            existing = case.evidence_ids - stale
            stale.unlink()
            existing.filtered(lambda e, r=required: e.evidence_type_id in r and not e.required).required = True
            for etype in required - existing.evidence_type_id:
                create_vals.append({"case_id": case.id, "evidence_type_id": etype.id, "required": True})
        if create_vals:
            self.env["postventa.case.evidence"].create(create_vals)
        self.filtered(lambda c: c.state == "new" and c.fault_id and not c.evidence_complete)._write_protected(
            {"state": "evidence"}
        )

    # --- actions -------------------------------------------------------------------------------
    def action_evaluate_warranty(self):
        """Evaluate the warranty of every case in ``self`` in one pass (batch-safe).

        Writes one append-only decision per case whose inputs changed, opens a warranty ticket for
        ``eligible``, schedules an activity for the warranty manager on ``review``, and emits the
        events. The date is the dealer's (company time zone) and the reasons are written in the
        company's language, whoever or whatever evaluates. Cases of one vehicle are decided in
        order, each seeing the readings of the earlier ones, exactly as one call per case would.
        """
        cases = self.filtered(lambda c: c.state in OPEN_STATES)
        if not cases:
            raise UserError(self.env._("Only open cases can be evaluated."))
        cases.check_access("write")
        decision_vals, engine_results = [], []
        for company, company_cases in cases.grouped("company_id").items():
            today = company._postventa_today()
            policy = self.env["postventa.warranty.policy"]._get_current(today, company)
            in_company_lang = company_cases.with_context(lang=company._postventa_lang())
            engine_policy = policy.with_env(in_company_lang.env)._to_engine()
            labels = in_company_lang._warranty_labels()
            history, recorded = company_cases._odometer_history()
            for case in company_cases.sorted("id"):
                vehicle_id = case.vehicle_id.id
                readings = [r for case_id, r in history[vehicle_id] if case_id != case.id]
                result = engine.evaluate(engine_policy, case._warranty_facts(today, readings), labels)
                if case._intake_trusted(result) and case.id not in recorded:
                    history[vehicle_id].append((case.id, engine.OdometerReading(today, case.odometer_km)))
                    engine_results.append((case, today))
                if case._warranty_unchanged(result):
                    continue
                decision_vals.append(case._decision_vals(result, policy, today))
        if decision_vals:
            # Users may only read the log: it is written here, on their behalf (user_id records who).
            decisions = self.env["postventa.warranty.decision"].sudo().create(decision_vals).with_env(self.env)
            self._apply_decisions(decisions)
        self._record_intake_odometers(engine_results)
        return True

    def _warranty_unchanged(self, result):
        """The latest decision saw the same inputs under the same policy version and still stands:
        deciding again would only repeat it (a manager's override stands until the inputs change)."""
        self.ensure_one()
        latest = self.decision_id
        if not latest or self.warranty_status != latest.outcome or latest.policy_version != result.policy_version:
            return False
        if not engine.same_inputs(latest.inputs, result.inputs):
            return False
        return latest.is_override or (
            latest.outcome == result.outcome and latest.reason_codes == ",".join(r.code for r in result.reasons)
        )

    def _apply_decisions(self, decisions):
        """Move each case to its decision's outcome, with ticket/activity/events, grouped by outcome.

        The engine's own writes skip per-record mail tracking (a message, tracking values and a
        follower look-up per case at commit); the same audit trail, one chatter note per case with
        its state/status tracking values, is written afterwards in a few bulk INSERTs.
        """
        cases = decisions.case_id
        initial = {case.id: {"state": case.state, "warranty_status": case.warranty_status} for case in cases}
        quiet = self.with_context(tracking_disable=True)
        by_outcome = defaultdict(lambda: quiet.browse())
        for decision in decisions:
            by_outcome[decision.outcome] |= decision.case_id.with_env(quiet.env)
        for outcome, outcome_cases in by_outcome.items():
            outcome_cases._write_protected({"warranty_status": outcome, "state": "evaluated"})
        self.env["postventa.event"]._emit_many([
            ("warranty.decided", decision.case_id, decision.case_id._decided_event_data(decision))
            for decision in decisions
        ])
        eligible = decisions.filtered(lambda d: d.outcome == "eligible" and not d.case_id.ticket_id)
        if eligible:
            eligible.case_id.with_env(quiet.env)._open_tickets(eligible)
        review = decisions.filtered(lambda d: d.outcome == "review")
        if review:
            review.case_id._schedule_review_activities()
        cases._log_decisions(decisions, initial)

    def _log_decisions(self, decisions, initial):
        """One chatter note per decided case (outcome, policy, ticket) carrying the tracking values
        of ``state`` and ``warranty_status`` as Odoo's tracking shows them.

        Written with two INSERT ... SELECT FROM unnest statements whatever the batch size: the ORM's
        mail.message create (sanitizing, defaults, inverses per row) cost more than the evaluation.
        The rows are what ``_message_log_batch`` would write: internal notes by the current user.
        """
        tracked = ("state", "warranty_status")
        col_info = self.fields_get(list(tracked), attributes=("string", "type", "selection"))
        outcome_labels = dict(self._fields["warranty_status"]._description_selection(self.env))
        res_ids, bodies = [], []
        for decision in decisions:
            case = decision.case_id
            res_ids.append(case.id)
            bodies.append(str(Markup("<p>%s</p>") % self.env._(
                "Warranty evaluated (policy %(version)s): %(outcome)s%(ticket)s",
                version=decision.policy_version, outcome=outcome_labels.get(decision.outcome, decision.outcome),
                ticket=f" — {case.ticket_id.name}" if decision.outcome == "eligible" and case.ticket_id else "",
            )))
        author = self.env.user.partner_id
        self.env.cr.execute(SQL(
            """INSERT INTO mail_message (model, res_id, body, message_type, subtype_id, is_internal, author_id,
                                         email_from, date, create_uid, create_date, write_uid, write_date)
               SELECT %(model)s, t.res_id, t.body, 'notification', %(subtype)s, TRUE, %(author)s, %(email)s,
                      now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
                 FROM unnest(%(res_ids)s::int[], %(bodies)s::text[]) WITH ORDINALITY AS t(res_id, body, n)
                ORDER BY t.n
            RETURNING id, res_id""",
            model=self._name, subtype=self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note"),
            author=author.id or None, email=author.email_formatted or None, uid=self.env.uid,
            res_ids=res_ids, bodies=bodies,
        ))
        Tracking = self.env["mail.tracking.value"]
        message_ids, field_ids, olds, news = [], [], [], []
        for message_id, res_id in self.env.cr.fetchall():
            case = self.browse(res_id)
            for fname in tracked:
                old, new = initial[res_id][fname], case[fname]
                if old != new:
                    vals = Tracking._create_tracking_values(old, new, fname, col_info[fname], case)
                    message_ids.append(message_id)
                    field_ids.append(vals["field_id"])
                    olds.append(vals["old_value_char"])
                    news.append(vals["new_value_char"])
        if message_ids:
            self.env.cr.execute(SQL(
                """INSERT INTO mail_tracking_value (mail_message_id, field_id, old_value_char, new_value_char,
                                                    create_uid, create_date, write_uid, write_date)
                   SELECT t.m, t.f, t.o, t.n, %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
                     FROM unnest(%(m)s::int[], %(f)s::int[], %(o)s::varchar[], %(n)s::varchar[]) AS t(m, f, o, n)""",
                uid=self.env.uid, m=message_ids, f=field_ids, o=olds, n=news,
            ))
        self.env["mail.message"].invalidate_model()
        self.env["mail.tracking.value"].invalidate_model()
        self.invalidate_recordset(["message_ids"])

    def _odometer_history(self):
        """({vehicle id: [(case id or None, OdometerReading), ...]}, {ids of cases with a reading}),
        for these cases' vehicles, from one query. Each case later leaves out its own reading."""
        history, recorded = defaultdict(list), set()
        readings = self.env["postventa.odometer"].search_read(
            [("vehicle_id", "in", self.vehicle_id.ids)], ["vehicle_id", "date", "value_km", "case_id"],
        )
        for reading in readings:
            case_id = reading["case_id"] and reading["case_id"][0]
            if case_id:
                recorded.add(case_id)
            history[reading["vehicle_id"][0]].append(
                (case_id, engine.OdometerReading(reading["date"], reading["value_km"]))
            )
        return history, recorded

    def _warranty_labels(self):
        """Evidence, system and powertrain names in this environment's language, for the reasons."""
        powertrain_field = self.env["postventa.vehicle"]._fields["powertrain"]
        return engine.Labels(
            evidence={t.code: t.name for t in self.env["postventa.evidence.type"].with_context(active_test=False)
                      .search([])},
            systems={s.code: s.name for s in self.env["postventa.vehicle.system"].with_context(active_test=False)
                     .search([])},
            powertrains={k: v.lower() for k, v in powertrain_field._description_selection(self.env)},
        )

    def _intake_trusted(self, result):
        """The engine believed this case's odometer: it becomes part of the vehicle's history."""
        self.ensure_one()
        codes = {r.code for r in result.reasons}
        return bool(
            self.vehicle_id and self.odometer_km
            and not codes & {"odometer_inconsistent", "odometer_implausible", "odometer_missing", "owner_unverified"}
        )

    def _warranty_facts(self, today, odometer_history=()):
        self.ensure_one()
        vehicle, fault = self.vehicle_id, self.fault_id
        return engine.CaseFacts(
            evaluation_date=today,
            vehicle_known=bool(vehicle),
            delivery_date=vehicle.delivery_date or None,
            powertrain=vehicle.powertrain or None,
            model_powertrain=vehicle.vehicle_model_id.powertrain or None,
            odometer_km=self.odometer_km or None,
            odometer_history=tuple(odometer_history),
            fault_code=fault.code or None,
            fault_system=fault.system_id.code or None,
            fault_is_wear_item=fault.is_wear_item,
            fault_coverage_code=fault.coverage_code or None,
            evidence_required=frozenset(self.evidence_ids.filtered("required").mapped("code")),
            evidence_provided=frozenset(self.evidence_ids.filtered("provided").mapped("code")),
            owner_verified=not self.owner_unverified,
        )

    def _decision_vals(self, result, policy, evaluation_date):
        self.ensure_one()
        return {
            "case_id": self.id,
            "vehicle_id": self.vehicle_id.id,
            "fault_id": self.fault_id.id,
            "company_id": self.company_id.id,
            "outcome": result.outcome,
            "reasons": result.reasons_as_dicts(),
            "reason_text": "\n".join(r.message for r in result.reasons),
            "reason_codes": ",".join(r.code for r in result.reasons),
            "policy_id": policy.id,
            "policy_version": result.policy_version,
            "coverage_code": result.coverage_code,
            "coverage_expires_on": result.coverage_expires_on,
            "km_limit": result.km_limit,
            "evaluation_date": evaluation_date,
            "inputs": result.inputs,
            "user_id": self.env.user.id,
        }

    def _decided_event_data(self, decision):
        """Payload of ``warranty.decided``; the spare-parts module adds the recommended supplier."""
        self.ensure_one()
        return {
            "case": self.name,
            "neon_id": self.neon_id or None,
            "vin": self.vehicle_id.vin or None,
            "fault_code": self.fault_id.code or None,
            "outcome": decision.outcome,
            "reasons": decision.reasons or [],
            "policy_version": decision.policy_version,
            "coverage": decision.coverage_code or None,
            "is_override": decision.is_override,
            "recommended_supplier": decision.recommended_supplier or None,
        }

    def _record_intake_odometers(self, trusted):
        """Keep each trusted intake reading in the vehicle history, as one call per case would:
        ``trusted`` is [(case, date)] of cases whose odometer the engine believed and that have not
        recorded a reading yet; a reading below what is already recorded is not kept."""
        if not trusted:
            return
        Reading = self.env["postventa.odometer"].sudo()
        vehicles = [case.vehicle_id.id for case, _day in trusted]
        highest = dict(Reading._read_group([("vehicle_id", "in", vehicles)], ["vehicle_id"], ["value_km:max"]))
        highest = {vehicle.id: km for vehicle, km in highest.items()}
        vals = []
        for case, day in trusted:
            if case.odometer_km >= highest.get(case.vehicle_id.id, 0):
                highest[case.vehicle_id.id] = case.odometer_km
                vals.append({"vehicle_id": case.vehicle_id.id, "value_km": case.odometer_km, "source": "intake",
                             "case_id": case.id, "date": day})
        Reading.create(vals)

    def _open_tickets(self, decisions):
        attachments = self.env["ir.attachment"].search(
            [("res_model", "=", self._name), ("res_id", "in", self.ids)]
        ).grouped("res_id")
        tickets = self.env["postventa.warranty.ticket"].sudo().create([
            {
                "case_id": d.case_id.id,
                "decision_id": d.id,
                "odometer_km": d.case_id.odometer_km,
                "fault_id": d.fault_id.id,
                "fault_code": d.fault_id.code,
                "fault_name": d.fault_id.name,
                "fault_system": d.fault_id.system_id.name,
                "fault_severity": d.fault_id.severity,
                "coverage_code": d.coverage_code,
                "labor_hours": d.fault_id.labor_hours,
                "user_id": d.case_id.user_id.id,
                "attachment_ids": [fields.Command.set(attachments.get(d.case_id.id, self.env["ir.attachment"]).ids)],
            }
            for d in decisions
        ])
        self.write({"state": "in_progress"})
        self.env["postventa.event"]._emit_many([
            ("warranty.opened", t.case_id, {
                "case": t.case_id.name, "neon_id": t.case_id.neon_id or None, "ticket": t.name,
                "vin": t.vehicle_id.vin or None, "fault_code": t.fault_code, "coverage": t.coverage_code,
                "labor_hours": t.labor_hours, "attachments": len(t.attachment_ids),
            })
            for t in tickets
        ])
        return tickets

    def _warranty_manager(self):
        """Who receives review activities: the company's first dedicated warranty manager (an
        administrator only when the dealer has none); never OdooBot or the integration user."""
        company = self.company_id[:1] or self.env.company
        group = self.env.ref("postventa.group_postventa_warranty_manager")
        managers = group.sudo().all_user_ids.filtered(
            lambda u: not u.share and u.active and u.id != 1 and company in u.company_ids
        ) - self.env.ref("postventa.group_postventa_integration").sudo().all_user_ids
        admins = self.env.ref("postventa.group_postventa_admin").sudo().all_user_ids
        return ((managers - admins) or managers).sorted("id")[:1]

    # --- who owns a case (rule: engine/assignment.py) ---------------------------------------------
    @api.model
    def _default_advisor(self):
        """The person opening a case at the counter owns it; a robot (bridge, OdooBot) never does."""
        user = self.env.user
        return user if user in self._advisor_pool(self.env.company, strict=False) else self.env["res.users"]

    @api.private
    def _advisor_pool(self, company, strict=True):
        """Advisors of ``company``, oldest first: active internal users with the after-sales *User*
        role only (``strict=False``, or a dealer without such users: any after-sales user), never
        OdooBot or the integration user."""
        users = self.env.ref("postventa.group_postventa_user").sudo().all_user_ids.filtered(
            lambda u: u.active and not u.share and u.id != SUPERUSER_ID and company in u.company_ids
        ) - self.env.ref("postventa.group_postventa_integration").sudo().all_user_ids
        if strict:
            others = self.env["res.users"].union(*(
                self.env.ref(xmlid).sudo().all_user_ids
                for xmlid in ("postventa.group_postventa_warranty_manager",
                              "postventa.group_postventa_purchasing_approver", "postventa.group_postventa_admin")
            ))
            users = users - others or users
        return users.sorted("id")

    @api.private
    def _assign_advisors(self, vals_list):
        """Give each case of ``vals_list`` (create values without a responsible) its advisor."""
        if not vals_list:
            return
        company_ids = {vals.get("company_id") or self.env.company.id for vals in vals_list}
        pools = {cid: self._advisor_pool(self.env["res.company"].browse(cid)).ids for cid in company_ids}
        advisor_ids = sorted({uid for pool in pools.values() for uid in pool})
        if not advisor_ids:
            return
        load = {
            user.id: count
            for user, count in self.sudo()._read_group(
                [("user_id", "in", advisor_ids), ("state", "in", OPEN_STATES)], ["user_id"], ["__count"]
            )
        }
        vehicle_ids = list({vals["vehicle_id"] for vals in vals_list if vals.get("vehicle_id")})
        usual = {}
        if vehicle_ids:
            for case in self.sudo().search_fetch([("vehicle_id", "in", vehicle_ids), ("user_id", "!=", False)],
                                                 ["vehicle_id", "user_id"], order="id desc"):
                usual.setdefault(case.vehicle_id.id, case.user_id.id)
        requests = [(vals.get("company_id") or self.env.company.id, vals.get("vehicle_id") or None)
                    for vals in vals_list]
        for vals, owner in zip(vals_list, assignment.pick_owners(requests, pools, load, usual), strict=True):
            if owner:
                vals["user_id"] = owner

    def _schedule_review_activities(self):
        manager = self._warranty_manager()
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        model_id = self.env["ir.model"]._get_id(self._name)
        # quick_update: no assignment e-mail per case (a batch would flood the manager's inbox);
        # the activities show in the manager's systray and "My Activities".
        self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True).create([
            {
                "res_model_id": model_id,
                "res_id": case.id,
                "activity_type_id": activity_type.id,
                "summary": self.env._("Review warranty of %(case)s", case=case.name),
                "note": case.decision_id.reason_text,
                "user_id": (manager or case.user_id or self.env.user).id,
                "date_deadline": fields.Date.context_today(self),
            }
            for case in self
        ])

    def action_mark_evidence_provided(self):
        """The customer brought the evidence in person: tick every required item."""
        lines = self.evidence_ids.filtered(lambda e: e.required and not e.provided)
        lines.write({"provided": True, "provided_date": fields.Datetime.now()})
        return True

    def action_start(self):
        self.write({"state": "in_progress"})

    def action_done(self):
        self.write({"state": "done"})
        self.env["postventa.event"]._emit_many([
            ("service.done", case, {"case": case.name, "neon_id": case.neon_id or None,
                                    "vin": case.vehicle_id.vin or None, "contact": case.whatsapp_contact or None})
            for case in self
        ])
        self.ticket_ids._close_with_cases()

    def action_cancel(self):
        self.write({"state": "cancelled"})

    def action_reset(self):
        """Back to new for another evaluation (the button shows on evaluated and cancelled cases)."""
        if self.filtered(lambda c: c.state not in ("evaluated", "cancelled")):
            raise UserError(self.env._("Only evaluated or cancelled cases can be reset to new."))
        self.check_access("write")
        self._write_protected({"state": "new", "warranty_status": "pending"})
        self._sync_evidence_lines()

    def action_open_override(self):
        self.ensure_one()
        self.env["postventa.warranty.override"]._check_manager()
        self.check_access("read")
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Override Warranty Decision"),
            "res_model": "postventa.warranty.override",
            "view_mode": "form",
            "target": "new",
            "context": {"default_case_id": self.id},
        }

    def action_view_decisions(self):
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id("postventa.postventa_warranty_decision_action")
        action["domain"] = [("case_id", "=", self.id)]
        return action

    def action_view_tickets(self):
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id("postventa.postventa_warranty_ticket_action")
        action["domain"] = [("case_id", "=", self.id)]
        if self.ticket_count == 1:
            action.update(view_mode="form", res_id=self.ticket_id.id, views=[(False, "form")])
        return action

    def action_view_attachments(self):
        self.ensure_one()
        self.check_access("read")
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Evidence"),
            "res_model": "ir.attachment",
            "view_mode": "kanban,list,form",
            "domain": [("res_model", "=", self._name), ("res_id", "=", self.id)],
            "context": {"default_res_model": self._name, "default_res_id": self.id},
        }

    @api.model
    def _cron_evaluate_ready_cases(self, batch_size=1000):
        """Evaluate cases that have everything the engine needs (scheduled action)."""
        cases = self.search([("is_ready", "=", True)], limit=batch_size)
        if cases:
            cases.action_evaluate_warranty()
        return len(cases)
