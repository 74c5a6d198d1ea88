from odoo import fields, models

from odoo.addons.base.models.res_partner import _tz_get

DEFAULT_TZ = "America/Mexico_City"


class ResCompany(models.Model):
    _inherit = "res.company"

    postventa_tz = fields.Selection(
        _tz_get, string="After-Sales Time Zone", default=DEFAULT_TZ, required=True,
        help="The dealer's time zone: it decides the date of every warranty evaluation, whoever evaluates.",
    )

    def _postventa_today(self):
        """Today's date in the dealer's time zone (not the caller's)."""
        self.ensure_one()
        return fields.Date.context_today(self.with_context(tz=self.postventa_tz or DEFAULT_TZ))

    def _postventa_lang(self):
        """The language warranty reasons are written in: the company's, whoever triggers them."""
        self.ensure_one()
        return self.partner_id.lang or "es_MX"
