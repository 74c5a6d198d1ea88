from markupsafe import Markup, escape

from odoo import api, fields, models

from ..engine import trace


def _iso(value):
    return value.isoformat(timespec="microseconds") + "Z" if value else None


# The case model's own file is past 400 lines; the timeline is a concern of its own.
class PostventaCase(models.Model):
    """One timeline per case: Odoo's part (decisions, tickets, states, quotes, approvals, POs, outbox).

    ``bridge_case_timeline`` gives it to the bridge, which merges it with WhatsApp, Neon and event
    deliveries (``GET /admin/cases/{id}/timeline``); the *Línea de tiempo* tab shows it to staff.
    """

    _inherit = "postventa.case"  # pylint: disable=consider-merging-classes-inherited

    trace_id = fields.Char(
        compute="_compute_trace_id",
        help="W3C trace id of the case: the same in WhatsApp, Neon, Odoo and every event.",
    )
    timeline_html = fields.Html(string="Timeline Steps", compute="_compute_timeline_html", sanitize=False)

    def _compute_trace_id(self):
        for case in self:
            if case.neon_id:
                case.trace_id = trace.case_trace_id(case.neon_id)
            else:
                case.trace_id = trace.odoo_case_trace_id(case.id) if case.id else False

    def _compute_timeline_html(self):
        head = "".join(f"<th>{escape(label)}</th>" for label in (
            self.env._("When (UTC)"), self.env._("Step"), self.env._("Detail")))
        for case in self:
            steps = case._timeline_steps(include_events=True) if case.id else []
            rows = "".join(
                f"<tr><td class='text-nowrap'>{escape(step['at'][:19].replace('T', ' '))}</td>"
                f"<td>{escape(step['kind'])}</td><td>{escape(step['detail'])}</td></tr>"
                for step in steps
            )
            case.timeline_html = Markup(
                f"<table class='table table-sm o_postventa_timeline'><thead><tr>{head}</tr></thead>"
                f"<tbody>{rows}</tbody></table>"
            )

    @api.model
    def bridge_case_timeline(self, neon_id):
        """Odoo's steps of the case bound to ``neon_id``: ``{"trace_id", "odoo_id", "steps": [...]}``
        (empty steps when Odoo has no such case). Callers: the integration user (JSON-2)."""
        self._check_bridge_access()
        try:
            neon_id = int(neon_id)
        except (TypeError, ValueError):
            neon_id = 0
        # never search neon_id = 0: Odoo reads "= 0" as "not set" and would match a back-office case
        case = self.sudo().search([("neon_id", "=", neon_id)], limit=1) if neon_id > 0 else self.browse()
        return {
            "trace_id": trace.case_trace_id(neon_id) if neon_id > 0 else None,
            "odoo_id": case.id or None,
            "steps": case._timeline_steps() if case else [],
        }

    def _timeline_steps(self, include_events=False):
        """This case's steps in Odoo, oldest first: ``{"at", "system", "kind", "detail"}``. Read as
        superuser after the caller was checked (bridge access, or read access to the case)."""
        self.ensure_one()
        self.check_access("read")
        case = self.sudo()
        steps = [{"at": case.create_date, "kind": "case.created", "detail": case.name}]
        for state, stamp in (("evaluated", "date_evaluated"), ("in_progress", "date_in_progress"),
                             ("done", "date_done"), ("cancelled", "date_cancelled")):
            if case[stamp]:
                steps.append({"at": case[stamp], "kind": "case.state", "detail": state})
        for decision in case.decision_ids.sorted("id"):
            steps.append({
                "at": decision.create_date,
                "kind": "warranty.override" if decision.is_override else "warranty.decision",
                "detail": f"{decision.outcome} ({decision.policy_version}): {decision.reason_text or ''}".strip(),
            })
        for ticket in case.ticket_ids.sorted("id"):
            steps.append({"at": ticket.create_date, "kind": "ticket.opened",
                          "detail": f"{ticket.name} {ticket.coverage_code or ''}".strip()})
        steps += case._timeline_extra_steps()
        if include_events:
            events = self.env["postventa.event"].sudo().search(
                [("res_model", "=", self._name), ("res_id", "=", case.id)], order="id"
            )
            steps += [{"at": e.time, "kind": "event.emitted",
                       "detail": f"{e.event_type}: {e.state} ({e.attempts})"} for e in events]
        steps = [dict(step, system="odoo", at=_iso(step["at"])) for step in steps if step["at"]]
        return sorted(steps, key=lambda step: step["at"])

    def _timeline_extra_steps(self):
        """Hook: steps of other modules (quotes, approvals, purchase orders in postventa_purchase)."""
        return []
