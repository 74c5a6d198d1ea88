from odoo import api, fields, models

# On an approved quote (locked until it goes back to draft) a line may change only in these; anything
# else (product, quantity, price, taxes, supplier, moving it to another order...) needs re-approval.
UNLOCKED_LINE_FIELDS = {"sequence"}


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    postventa_part_id = fields.Many2one(
        "product.product", string="Typical Part", help="The fault's typical part this line supplies."
    )
    postventa_supplierinfo_id = fields.Many2one(
        "product.supplierinfo", string="Supplier Offer", ondelete="set null",
        help="Offer chosen by the SLA logic; the purchase order goes to its supplier.",
    )
    postventa_vendor_id = fields.Many2one(
        related="postventa_supplierinfo_id.partner_id", string="Supplier", store=True
    )
    postventa_expected_date = fields.Date(string="Parts Arrival")
    postventa_sla_ok = fields.Boolean(string="SLA Met")
    postventa_choice_reason = fields.Char(string="Supplier Choice")
    postventa_is_labor = fields.Boolean(string="Labor Line")

    @api.model_create_multi
    def create(self, vals_list):
        orders = self.env["sale.order"].browse({vals.get("order_id") for vals in vals_list if vals.get("order_id")})
        orders._postventa_check_unlocked()
        return super().create(vals_list)

    def write(self, vals):
        if set(vals) - UNLOCKED_LINE_FIELDS:
            self.order_id._postventa_check_unlocked()
        if vals.get("order_id"):
            self.env["sale.order"].browse(vals["order_id"])._postventa_check_unlocked()
        return super().write(vals)

    def unlink(self):
        self.order_id._postventa_check_unlocked()
        return super().unlink()

    def _postventa_line_data(self):
        return [
            {
                "product": line.product_id.display_name,
                "part_number": line.product_id.postventa_part_number or None,
                "brand": line.product_id.postventa_brand or None,
                "qty": line.product_uom_qty,
                "price_unit": line.price_unit,
                "subtotal": line.price_subtotal,
                "is_labor": line.postventa_is_labor,
                "supplier": line.postventa_vendor_id.name or None,
                "supplier_id": line.postventa_vendor_id.id or None,
                "eta": line.postventa_expected_date.isoformat() if line.postventa_expected_date else None,
                "sla_ok": line.postventa_sla_ok,
            }
            for line in self
            if not line.display_type
        ]
