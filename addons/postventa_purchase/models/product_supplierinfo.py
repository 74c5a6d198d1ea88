from odoo import fields, models

from .. import sla


class ProductSupplierinfo(models.Model):
    """Supplier offers: Odoo's vendor pricelist plus what the SLA choice needs (stock, url, contact)."""

    _inherit = "product.supplierinfo"

    postventa_stock_qty = fields.Float(
        string="Supplier Stock", digits="Product Unit", help="Units the supplier reports on hand. Empty: unknown."
    )
    postventa_stock_known = fields.Boolean(string="Stock Known", default=True)
    postventa_url = fields.Char(string="Offer URL")
    postventa_contact = fields.Char(string="Offer Contact", help="Who to call or write for this offer.")
    postventa_reliability = fields.Float(related="partner_id.postventa_reliability", string="Reliability")

    def _postventa_offer(self):
        """This row as an :class:`sla.Offer` (price in the offer's own currency)."""
        self.ensure_one()
        partner = self.partner_id
        template = self.product_tmpl_id
        product = self.product_id or template.product_variant_id
        return sla.Offer(
            offer_id=self.id,
            supplier_id=partner.id,
            supplier_name=partner.name or "",
            price=self.price,
            currency=self.currency_id.name or self.env.company.currency_id.name,
            lead_days=self.delay,
            stock=self.postventa_stock_qty if self.postventa_stock_known else None,
            min_qty=self.min_qty,
            reliability=partner.postventa_reliability,
            valid_from=self.date_start or None,
            valid_until=self.date_end or None,
            product_id=product.id,
            part_number=template.postventa_part_number or "",
            brand=template.postventa_brand or "",
            url=self.postventa_url or "",
            contact=self.postventa_contact or partner.phone or partner.email or "",
        )
