"""``postventa.agent``: the one entry point (``run_all``) and the shared gate every follow-up agent uses.

An agent is a small file that extends this model: it appends ``(name, method)`` to ``_agents()`` and
its method returns :class:`~..engine.rules.Action` objects; ``_apply`` does the rest (idempotency,
consent, quiet hours, frequency cap, 24-hour window, ledger, outbox) in a constant number of queries.
"""

from collections import Counter
from datetime import timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from ..engine import rules
from .postventa_whatsapp_contact import normalize_contact

REPLY_KINDS = ("consent", "schedule", "already_done", "csat")


class PostventaAgent(models.AbstractModel):
    _name = "postventa.agent"
    _description = "Follow-up Agents"

    @api.model
    def run_all(self):
        """Run every follow-up agent once; returns ``{agent: number of actions taken}``.

        Callable over JSON-2 by postventa administrators and the integration user; the scheduled job
        calls it as superuser. Running it twice with no new data takes no new action.
        """
        self._check_agent_access()
        return self.sudo()._run_agents()

    @api.private
    def _run_agents(self, now=None):
        ctx = self._agent_context(now)
        return {name: len(self._apply(method(ctx), ctx)) for name, method in self._agents()}

    @api.private
    def _agents(self):
        """``[(name, method)]``: each agent file appends its own (``method(ctx) -> [Action]``)."""
        return []

    @api.private
    def _check_agent_access(self):
        user = self.env.user
        if not (self.env.su or user.has_group("postventa.group_postventa_admin")
                or user.has_group("postventa.group_postventa_integration")):
            raise AccessError(self.env._("Only a postventa administrator or the integration user may run the "
                                         "follow-up agents."))

    @api.private
    def _agent_context(self, now=None):
        if now is None:
            self.env.cr.execute("SELECT now() AT TIME ZONE 'UTC'")
            now = self.env.cr.fetchone()[0]
        company = self.env.company
        tz = pytz.timezone(company.postventa_followup_tz or "America/Mexico_City")
        local_now = pytz.utc.localize(now).astimezone(tz).replace(tzinfo=None)
        kinds = {k.strip() for k in (company.postventa_followup_template_kinds or "").split(",") if k.strip()}
        settings = rules.Settings(
            quiet_start=company.postventa_followup_quiet_start,
            quiet_end=company.postventa_followup_quiet_end,
            cap_count=company.postventa_followup_cap_count,
            cap_days=company.postventa_followup_cap_days,
            template_kinds=frozenset(kinds),
        )
        return {"now": now, "local_now": local_now, "today": local_now.date(), "settings": settings,
                "company": company}

    # --- the shared gate ------------------------------------------------------------------------
    @api.private
    def _apply(self, actions, ctx):
        """Do the actions not done before and allowed now; returns the ones done (constant queries)."""
        ledger = self.env["postventa.followup"].sudo()
        unique = list({a.key: a for a in actions}.values())
        if not unique:
            return []
        done_keys = set(ledger.search_fetch([("name", "in", [a.key for a in unique])], ["name"]).mapped("name"))
        todo = [a for a in unique if a.key not in done_keys]
        contacts = self._contacts(todo, ctx)
        now, settings = ctx["now"], ctx["settings"]
        performed, refused = [], Counter()
        for action in todo:
            contact = contacts.get(action.contact_key)
            why = rules.refusal(action, contact, ctx["local_now"], now, settings)
            if why:
                refused[why] += 1
                continue
            if action.message_kind:
                contact.sent_recently += 1
                action.data = {
                    **action.data, "key": action.key, "agent": action.agent, "kind": action.message_kind,
                    "contact": contact.contact,
                    "channel": rules.delivery_mode(action.message_kind, contact.last_inbound_at, now, settings),
                    "vars": action.template_vars, "remember": action.remember,
                }
            performed.append(action)
        events = self.env["postventa.event"]._emit_many([(a.event_type, a.record, a.data) for a in performed])
        ledger.create([
            {"name": a.key, "agent": a.agent, "kind": a.message_kind or a.event_type, "event_type": a.event_type,
             "contact": a.data.get("contact") if a.message_kind else False,
             "channel": a.data.get("channel") if a.message_kind else False,
             "partner_id": a.partner_id or False, "event_id": event.id, "company_id": ctx["company"].id}
            for a, event in zip(performed, events, strict=True)
        ])
        for action in performed:
            if action.after:
                action.after()
        return performed

    @api.private
    def _contacts(self, actions, ctx):
        """``{contact_key: rules.Contact}`` for the message actions: consent, window, recent sends."""
        keyed = [a.contact_key for a in actions if a.message_kind and a.contact_key]
        partner_ids = {int(k.split(":")[1]) for k in keyed if k.startswith("partner:")}
        numbers = {k.split(":", 1)[1] for k in keyed if k.startswith("wa:")}
        if not keyed:
            return {}
        records = self.env["postventa.whatsapp.contact"].sudo().search_fetch(
            ["|", ("partner_id", "in", list(partner_ids)), ("name", "in", list(numbers))],
            ["name", "partner_id", "consent", "last_inbound_at"],
        )
        since = ctx["now"] - timedelta(days=ctx["settings"].cap_days)
        sent = dict(self.env["postventa.followup"].sudo()._read_group(
            [("contact", "in", records.mapped("name")), ("channel", "!=", False), ("date", ">=", since)],
            ["contact"], ["__count"],
        ))
        out = {}
        by_partner = {}
        for rec in records:
            contact = rules.Contact(rec.name, rec.consent, rec.last_inbound_at, sent.get(rec.name, 0))
            out[f"wa:{rec.name}"] = contact
            if rec.partner_id:
                best = by_partner.get(rec.partner_id.id)
                # a customer opted out on any number is opted out; else the number that wrote last
                if best is None or rec.consent == "opted_out" or (
                    best.consent != "opted_out" and (rec.last_inbound_at or fields.Datetime.to_datetime("1970-01-01"))
                    > (best.last_inbound_at or fields.Datetime.to_datetime("1970-01-01"))
                ):
                    by_partner[rec.partner_id.id] = contact
        out.update({f"partner:{pid}": contact for pid, contact in by_partner.items()})
        return out

    # --- replies from WhatsApp (bridge) ---------------------------------------------------------
    @api.model
    def bridge_followup_reply(self, contact, kind, visit_id=None, score=None, opted_in=None, vehicle_id=None,
                              milestone_km=None, text=None):
        """A customer's answer to a follow-up, queued by the bridge (integration user only).

        ``kind``: ``consent`` (``opted_in`` true/false), ``schedule`` ("agendar …": activity for the
        service advisor with the preferred day/time in ``text``), ``already_done`` ("ya lo hice":
        recorded as a visit done elsewhere) or ``csat`` (``visit_id`` + ``score`` 1–5). Idempotent.
        """
        self.env["postventa.case"]._check_bridge_access()
        number = normalize_contact(contact)
        if not number:
            raise ValidationError(self.env._("contact must be a WhatsApp number in E.164 form."))
        if kind not in REPLY_KINDS:
            raise ValidationError(self.env._("kind must be one of %(kinds)s.", kinds=", ".join(REPLY_KINDS)))
        for name, value in (("visit_id", visit_id), ("vehicle_id", vehicle_id), ("milestone_km", milestone_km)):
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
                raise ValidationError(self.env._("%(field)s must be a positive integer.", field=name))
        Contact = self.env["postventa.whatsapp.contact"].sudo()
        record = Contact._ensure([number], source="whatsapp")
        record.last_inbound_at = fields.Datetime.now()
        if kind == "consent":
            if not isinstance(opted_in, bool):
                raise ValidationError(self.env._("opted_in must be true or false."))
            return {"changed": bool(record._set_consent("opted_in" if opted_in else "opted_out", "whatsapp"))}
        if kind == "csat":
            return self._reply_csat(record, visit_id, score)
        return self._reply_maintenance(record, kind, vehicle_id, milestone_km, text)

    @api.private
    def _reply_csat(self, contact, visit_id, score):
        if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
            raise ValidationError(self.env._("score must be an integer from 1 to 5."))
        visit = self.env["postventa.service.visit"].sudo().browse(int(visit_id or 0)).exists()
        if not visit or not self._owns(contact, visit.partner_id, visit.case_id):
            raise ValidationError(self.env._("No service visit %(id)s for this contact.", id=visit_id))
        if visit.csat_score:
            return {"visit": visit.name, "score": int(visit.csat_score), "duplicate": True}
        visit._record_csat(score)
        return {"visit": visit.name, "score": score, "duplicate": False}

    @api.private
    def _reply_maintenance(self, contact, kind, vehicle_id, milestone_km, text):
        vehicle = self.env["postventa.vehicle"].sudo().browse(int(vehicle_id or 0)).exists()
        if not vehicle or not self._owns(contact, vehicle.partner_id, None):
            raise ValidationError(self.env._("No vehicle %(id)s for this contact.", id=vehicle_id))
        milestone = int(milestone_km or 0)
        key = f"reply:{kind}:{vehicle.id}:{milestone}"
        ledger = self.env["postventa.followup"].sudo()
        if ledger.search_count([("name", "=", key)]):
            return {"duplicate": True}
        if kind == "schedule":
            advisor = vehicle.company_id.postventa_followup_advisor_id or self.env.ref("base.user_admin")
            vehicle.activity_schedule(
                "mail.mail_activity_data_call",
                user_id=advisor.id,
                summary=self.env._("Book the %(km)s km service", km=f"{milestone:,}") if milestone
                else self.env._("Book the pre-expiry warranty inspection"),
                note=self.env._("The customer asked on WhatsApp to book it. Preferred day/time: %(when)s",
                                when=(text or "").strip()[:300] or "-"),
            )
        elif milestone:  # a maintenance done elsewhere; for an inspection offer there is nothing to record
            self.env["postventa.service.visit"].sudo().create({
                "vehicle_id": vehicle.id, "company_id": vehicle.company_id.id, "service_type": "customer_reported",
                "milestone_km": milestone, "odometer_km": max(milestone, vehicle.odometer_km), "state": "done",
                "done_at": fields.Datetime.now(), "csat_requested_at": fields.Datetime.now(),
                "work_done": self.env._("The customer says this service was done (WhatsApp)."),
            })
        ledger.create({"name": key, "agent": "maintenance", "kind": kind, "contact": contact.name,
                       "partner_id": vehicle.partner_id.id or False})
        return {"duplicate": False}

    @api.private
    def _owns(self, contact, partner, case):
        return bool((partner and contact.partner_id == partner)
                    or (case and normalize_contact(case.whatsapp_contact) == contact.name))
