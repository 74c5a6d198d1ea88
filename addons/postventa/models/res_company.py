from odoo import fields, models

from odoo.addons.base.models.res_partner import _lang_get, _tz_get

DEFAULT_TZ = "America/Mexico_City"
DEFAULT_LANG = "es_MX"


class ResCompany(models.Model):
    _inherit = "res.company"

    postventa_tz = fields.Selection(
        _tz_get, string="After-Sales Time Zone", default=DEFAULT_TZ, required=True,
        help="The dealer's time zone: it decides the date of every warranty evaluation, whoever evaluates.",
    )
    postventa_lang = fields.Selection(
        _lang_get, string="After-Sales Language",
        help="Language of warranty reasons and quote lines, whoever triggers them (users, the bridge, the "
        "scheduled job). Empty: Spanish (Mexico) when it is installed, else the company contact's language.",
    )

    def _postventa_today(self):
        """Today's date in the dealer's time zone (not the caller's)."""
        self.ensure_one()
        return fields.Date.context_today(self.with_context(tz=self.postventa_tz or DEFAULT_TZ))

    def _postventa_lang(self):
        """The language warranty reasons are written in: the company's, whoever triggers them."""
        self.ensure_one()
        if self.postventa_lang:
            return self.postventa_lang
        if self.env["res.lang"]._get_code(DEFAULT_LANG):
            return DEFAULT_LANG
        return self.partner_id.lang or self.env.lang
