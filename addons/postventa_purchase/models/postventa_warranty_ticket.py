from odoo import api, models


class PostventaWarrantyTicket(models.Model):
    _inherit = "postventa.warranty.ticket"

    @api.private
    def _warranty_parts(self):
        parts = super()._warranty_parts()
        return parts.filtered("postventa_is_oem") or parts

    @api.private
    def _warranty_labor_rate(self):
        self.ensure_one()
        return self.company_id.postventa_labor_rate
