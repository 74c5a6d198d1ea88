from odoo import api, fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    postventa_expired_reason = fields.Char(string="Expiry Reason", readonly=True, copy=False)

    @api.private
    def _postventa_expire(self, reason):
        """The customer never accepted the approved quote: cancel it with the reason."""
        for order in self.filtered(lambda o: o.state in ("draft", "sent")):
            order.write({"postventa_expired_reason": reason})
            order._action_cancel()
            order.message_post(body=self.env._("Quote expired: %(reason)s", reason=reason))
