import re

from odoo import api, fields, models
from odoo.exceptions import ValidationError

E164 = re.compile(r"^\+[1-9]\d{7,14}$")
CONSENT = [("opted_in", "Accepts follow-ups"), ("opted_out", "Opted out")]


def normalize_contact(value):
    """``whatsapp:+52 1 55…`` or ``+52-155…`` -> ``+52155…`` (E.164), or "" when it is not a number."""
    digits = re.sub(r"[^\d+]", "", (value or "").replace("whatsapp:", ""))
    return digits if E164.match(digits) else ""


class PostventaWhatsappContact(models.Model):
    """The one consent store every follow-up agent reads: keyed on the WhatsApp number that opts out."""

    _name = "postventa.whatsapp.contact"
    _description = "WhatsApp Contact and Follow-up Consent"
    _inherit = ["mail.thread"]
    _order = "name"

    name = fields.Char(string="WhatsApp", required=True, index=True, help="E.164, e.g. +5215512345678.")
    partner_id = fields.Many2one("res.partner", string="Customer", index=True, ondelete="set null")
    consent = fields.Selection(CONSENT, required=True, default="opted_in", tracking=True)
    consent_date = fields.Datetime(string="Consent Changed On", readonly=True)
    consent_source = fields.Char(readonly=True, help="whatsapp_intake, whatsapp, staff…")
    last_inbound_at = fields.Datetime(
        string="Last Message From Customer", readonly=True, help="Opens WhatsApp's 24-hour window for free text."
    )

    _name_uniq = models.Constraint("UNIQUE(name)", "This WhatsApp number already exists.")

    @api.constrains("name")
    def _check_name(self):
        for contact in self:
            if not E164.match(contact.name or ""):
                raise ValidationError(self.env._(
                    "%(number)s is not a WhatsApp number in E.164 form (e.g. +5215512345678).", number=contact.name
                ))

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            vals["name"] = normalize_contact(vals.get("name")) or vals.get("name")
            vals.setdefault("consent_date", fields.Datetime.now())
        return super().create(vals_list)

    def action_opt_out(self):
        self._set_consent("opted_out", "staff")

    def action_opt_in(self):
        self._set_consent("opted_in", "staff")

    @api.private
    def _set_consent(self, consent, source):
        changed = self.filtered(lambda c: c.consent != consent)
        changed.write({"consent": consent, "consent_date": fields.Datetime.now(), "consent_source": source})
        return changed

    @api.private
    def _ensure(self, numbers, partner_by_number=None, source="whatsapp_intake"):
        """Contact records for ``numbers`` (created opted in: the customer wrote to us first)."""
        wanted = {normalize_contact(n) for n in numbers} - {""}
        existing = self.sudo().search([("name", "in", list(wanted))])
        missing = wanted - set(existing.mapped("name"))
        partner_by_number = partner_by_number or {}
        created = self.sudo().create([
            {"name": n, "partner_id": partner_by_number.get(n) or False, "consent_source": source}
            for n in sorted(missing)
        ])
        return existing | created
