from datetime import timedelta

from odoo import api, models

from ..engine import rules
from .postventa_whatsapp_contact import normalize_contact


# One file per agent on purpose (a new agent is a small file).
# pylint: disable=consider-merging-classes-inherited
class PostventaAgent(models.AbstractModel):
    _inherit = "postventa.agent"

    @api.private
    def _agents(self):
        return [*super()._agents(), ("csat", self._agent_csat)]

    @api.private
    def _agent_csat(self, ctx):
        """One 1–5 question per closed visit, a few hours after closing (quiet hours: the gate)."""
        delay = timedelta(hours=ctx["company"].postventa_followup_csat_delay_hours)
        visits = self.env["postventa.service.visit"].sudo().search([
            ("state", "=", "done"), ("csat_requested_at", "=", False), ("csat_score", "=", False),
            ("done_at", "<=", ctx["now"] - delay), ("done_at", ">=", ctx["now"] - timedelta(days=14)),
            ("company_id", "=", ctx["company"].id),
        ])
        actions = []
        for visit in visits:
            number = normalize_contact(visit.case_id.whatsapp_contact)
            contact_key = f"partner:{visit.partner_id.id}" if visit.partner_id else f"wa:{number}" if number else None
            actions.append(rules.Action(
                key=f"csat:{visit.id}", agent="csat", event_type="followup.sent", record=visit,
                data={"visit": visit.name, "visit_id": visit.id, "vin": visit.vehicle_id.vin,
                      "case": visit.case_id.name or None},
                message_kind="csat_request", partner_id=visit.partner_id.id or None, contact_key=contact_key,
                template_vars={"1": visit.vehicle_id.display_name or visit.vehicle_id.vin},
                remember={"csat_visit_id": visit.id},
                after=lambda v=visit, now=ctx["now"]: v.write({"csat_requested_at": now}),
            ))
        return actions
