from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models

from ..engine import rules
from .postventa_whatsapp_contact import normalize_contact

COVERAGE_NOTICE_DAYS = 30
QUOTE_REMINDER_DAYS = 3
QUOTE_EXPIRY_DAYS = 10
INTAKE_NUDGE_HOURS = 24
INTAKE_GIVE_UP_DAYS = 7


# One file per agent on purpose (a new agent is a small file).
# pylint: disable=consider-merging-classes-inherited
class PostventaAgent(models.AbstractModel):
    _inherit = "postventa.agent"

    @api.private
    def _agents(self):
        return [*super()._agents(), ("revenue", self._agent_revenue)]

    @api.private
    def _agent_revenue(self, ctx):
        return self._revenue_coverage(ctx) + self._revenue_quotes(ctx) + self._revenue_intake(ctx)

    @api.private
    def _revenue_coverage(self, ctx):
        """Basic coverage ends within 30 days: offer a pre-expiry inspection (finds warranty repairs)."""
        today, company = ctx["today"], ctx["company"]
        policy = self.env["postventa.warranty.policy"].sudo()._find_current(today, company)
        coverage = policy.coverage_ids.filtered(lambda c: c.code == "basic")[:1]
        if not coverage:
            return []
        months = relativedelta(months=coverage.months)
        vehicles = self.env["postventa.vehicle"].sudo().search([
            ("company_id", "=", company.id), ("partner_id", "!=", False),
            ("delivery_date", ">", today - months),
            ("delivery_date", "<=", today + timedelta(days=COVERAGE_NOTICE_DAYS) - months),
            ("odometer_km", "<", coverage.km),
        ])
        actions = []
        for vehicle in vehicles:
            ends = vehicle.delivery_date + months
            actions.append(rules.Action(
                key=f"coverage:{vehicle.id}:{coverage.code}:{fields.Date.to_string(ends)}", agent="revenue",
                event_type="followup.sent", record=vehicle,
                data={"vehicle_id": vehicle.id, "vin": vehicle.vin, "coverage": coverage.code,
                      "coverage_ends": fields.Date.to_string(ends)},
                message_kind="coverage_inspection", partner_id=vehicle.partner_id.id,
                contact_key=f"partner:{vehicle.partner_id.id}",
                template_vars={"1": vehicle.display_name, "2": fields.Date.to_string(ends)},
                remember={"followup": {"kind": "coverage_inspection", "vehicle_id": vehicle.id,
                                       "milestone_km": 0}},
            ))
        return actions

    @api.private
    def _revenue_quotes(self, ctx):
        """Approved quote not accepted: one reminder after 3 days, expired with a reason after 10."""
        now = ctx["now"]
        orders = self.env["sale.order"].sudo().search([
            ("postventa_approval_state", "=", "approved"), ("state", "in", ("draft", "sent")),
            ("postventa_approved_date", "<=", now - timedelta(days=QUOTE_REMINDER_DAYS)),
            ("company_id", "=", ctx["company"].id),
        ])
        actions = []
        expired = orders.filtered(lambda o: o.postventa_approved_date <= now - timedelta(days=QUOTE_EXPIRY_DAYS))
        reason = self.env._("Not accepted within %(days)s days of its approval.", days=QUOTE_EXPIRY_DAYS)
        for order in expired:
            actions.append(rules.Action(
                key=f"quote.expired:{order.id}", agent="revenue", event_type="quote.expired", record=order,
                data={"quote": order.name, "quote_id": order.id, "case": order.postventa_case_id.name or None,
                      "neon_id": order.postventa_case_id.neon_id or None, "reason": "not_accepted",
                      "reason_text": reason, "days": QUOTE_EXPIRY_DAYS,
                      "approved_at": fields.Datetime.to_string(order.postventa_approved_date)},
                partner_id=order.partner_id.id,
                after=lambda o=order: o._postventa_expire(reason),
            ))
        for order in orders - expired:
            contact = normalize_contact(order.postventa_case_id.whatsapp_contact)
            order._portal_ensure_token()
            url = order.get_base_url() + order.get_portal_url()
            actions.append(rules.Action(
                key=f"quote_reminder:{order.id}", agent="revenue", event_type="followup.sent", record=order,
                data={"quote": order.name, "quote_id": order.id, "case": order.postventa_case_id.name or None,
                      "neon_id": order.postventa_case_id.neon_id or None, "portal_url": url},
                message_kind="quote_reminder", partner_id=order.partner_id.id,
                contact_key=f"wa:{contact}" if contact else f"partner:{order.partner_id.id}",
                template_vars={"1": order.name, "2": url},
                remember={"quote_case_id": order.postventa_case_id.neon_id, "quote_ref": order.name}
                if order.postventa_case_id.neon_id else {},
            ))
        return actions

    @api.private
    def _revenue_intake(self, ctx):
        """A WhatsApp intake left half-way for 24 hours: one nudge."""
        now = ctx["now"]
        cases = self.env["postventa.case"].sudo().search([
            ("neon_id", "!=", False), ("state", "in", ("new", "evidence")), ("evidence_complete", "=", False),
            ("whatsapp_contact", "!=", False), ("company_id", "=", ctx["company"].id),
            ("write_date", "<=", now - timedelta(hours=INTAKE_NUDGE_HOURS)),
            ("write_date", ">=", now - timedelta(days=INTAKE_GIVE_UP_DAYS)),
        ])
        return [
            rules.Action(
                key=f"intake_nudge:{case.id}", agent="revenue", event_type="followup.sent", record=case,
                data={"case": case.name, "neon_id": case.neon_id, "missing": case.evidence_missing or None},
                message_kind="intake_nudge", partner_id=case.partner_id.id or None,
                contact_key=f"wa:{normalize_contact(case.whatsapp_contact)}",
                template_vars={"1": case.name},
            )
            for case in cases
        ]
