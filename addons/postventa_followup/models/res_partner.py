from odoo import api, fields, models

from .postventa_whatsapp_contact import CONSENT


class ResPartner(models.Model):
    _inherit = "res.partner"

    postventa_contact_ids = fields.One2many("postventa.whatsapp.contact", "partner_id", string="WhatsApp Contacts")
    postventa_followup_consent = fields.Selection(
        CONSENT + [("none", "No WhatsApp contact")],
        string="Follow-up Consent",
        compute="_compute_postventa_followup_consent",
        help="Opted out when any of the customer's WhatsApp numbers said baja / stop / no más mensajes.",
    )

    @api.depends("postventa_contact_ids.consent")
    def _compute_postventa_followup_consent(self):
        for partner in self:
            consents = set(partner.postventa_contact_ids.mapped("consent"))
            partner.postventa_followup_consent = (
                "opted_out" if "opted_out" in consents else "opted_in" if consents else "none"
            )
