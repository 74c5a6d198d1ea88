from odoo import models


# The case model's own file is past 400 lines; the timeline is a concern of its own.
class PostventaCase(models.Model):
    _inherit = "postventa.case"  # pylint: disable=consider-merging-classes-inherited

    def _timeline_extra_steps(self):
        """Quotes (created, approved or rejected by purchasing, accepted, cancelled) and purchase orders.
        Called by ``_timeline_steps`` after it checked the caller; reads as superuser."""
        steps = super()._timeline_extra_steps()
        for order in self.sudo().postventa_sale_ids.sorted("id"):
            amount = f"{order.amount_total:,.2f} {order.currency_id.name}"
            steps.append({"at": order.create_date, "kind": "quote.created", "detail": f"{order.name} {amount}"})
            if order.postventa_approved_date:
                steps.append({"at": order.postventa_approved_date, "kind": "quote.approved",
                              "detail": f"{order.name} ({order.postventa_approved_by_id.name or ''})"})
            if order.postventa_approval_state == "rejected" and order.write_date:
                steps.append({"at": order.write_date, "kind": "quote.rejected",
                              "detail": f"{order.name}: {order.postventa_reject_reason or ''}"})
            if order.state == "sale":
                steps.append({"at": order.date_order, "kind": "quote.accepted", "detail": f"{order.name} {amount}"})
            elif order.state == "cancel":
                steps.append({"at": order.write_date, "kind": "quote.cancelled", "detail": order.name})
        purchases = self.env["purchase.order"].sudo().search([("postventa_case_id", "=", self.id)], order="id")
        for po in purchases:
            steps.append({"at": po.create_date, "kind": "purchase.order",
                          "detail": f"{po.name} {po.partner_id.name} {po.amount_total:,.2f} {po.currency_id.name} "
                                    f"({po.state})"})
        return steps
