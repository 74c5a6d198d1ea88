from collections import defaultdict
from datetime import datetime, time, timedelta

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_date

APPROVER_GROUP = "postventa.group_postventa_purchasing_approver"
APPROVAL_ACTIVITY = "postventa_purchase.mail_activity_type_quote_approval"
APPROVAL_STATES = [
    ("to_approve", "To Approve"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
]
PART_PREFERENCES = [
    ("best", "Best Available (Toyota or Equivalent)"),
    ("oem", "Toyota Genuine Only"),
    ("aftermarket", "Aftermarket Preferred"),
]
# Written only by the approval actions (which check the purchasing-approver group) through
# _postventa_write_approval; never by a plain write/create, whatever the context.
APPROVAL_FIELDS = {"postventa_approval_state", "postventa_approved_by_id", "postventa_approved_date",
                   "postventa_reject_reason"}
# A quote is bound to its case when it is built from it; unbinding it would skip the approval.
BINDING_FIELDS = {"postventa_case_id"}
# States the customer sees or that confirm the order: only for approved quotes of a case.
CUSTOMER_STATES = ("sent", "sale")
# Changing any of these on an approved quote needs it to go back to draft (re-approval).
LOCKED_ORDER_FIELDS = {
    "order_line",
    "partner_id",
    "partner_invoice_id",
    "partner_shipping_id",
    "pricelist_id",
    "currency_id",
    "payment_term_id",
    "fiscal_position_id",
    "validity_date",
    "postventa_case_id",
}


class SaleOrder(models.Model):
    _inherit = "sale.order"

    postventa_case_id = fields.Many2one(
        "postventa.case", index=True, copy=False, ondelete="set null"
    )
    postventa_approval_state = fields.Selection(
        APPROVAL_STATES,
        string="Purchasing Approval",
        copy=False,
        tracking=True,
        help="Quotes built from a case are approved by purchasing before the customer sees them.",
    )
    postventa_approved_by_id = fields.Many2one("res.users", string="Approved By", copy=False, readonly=True)
    postventa_approved_date = fields.Datetime(string="Approved On", copy=False, readonly=True)
    postventa_reject_reason = fields.Text(string="Rejection Reason", copy=False, readonly=True, tracking=True)
    postventa_sla_date = fields.Date(string="Promised Date", copy=False, help="Parts are due by this date (SLA).")
    postventa_sla_ok = fields.Boolean(string="SLA Met", compute="_compute_postventa_sla_ok")
    postventa_part_preference = fields.Selection(PART_PREFERENCES, string="Parts Preference", default="best")
    postventa_purchase_ids = fields.One2many("purchase.order", "postventa_sale_id", string="Parts Purchases")
    postventa_purchase_count = fields.Integer(compute="_compute_postventa_purchase_count")
    postventa_choice_ids = fields.One2many("postventa.supplier.choice", "sale_order_id", string="Supplier Choices")

    @api.depends("order_line.postventa_sla_ok", "order_line.postventa_is_labor", "order_line.display_type")
    def _compute_postventa_sla_ok(self):
        for order in self:
            parts = order.order_line.filtered(lambda line: not line.display_type and not line.postventa_is_labor)
            order.postventa_sla_ok = all(parts.mapped("postventa_sla_ok"))

    @api.depends("postventa_purchase_ids")
    def _compute_postventa_purchase_count(self):
        for order in self:
            order.postventa_purchase_count = len(order.postventa_purchase_ids)

    # ------------------------------------------------------------------
    # CRUD: approval rights and the edit lock, enforced server-side
    # ------------------------------------------------------------------
    def _postventa_check_approver(self):
        if self.env.su or self.env.user.has_group(APPROVER_GROUP):
            return
        raise AccessError(self.env._("Only purchasing approvers can approve or reject spare-parts quotes."))

    def _postventa_locked(self):
        return self.filtered(
            lambda o: o.postventa_case_id
            and o.postventa_approval_state == "approved"
            and o.state in ("draft", "sent")
        )

    def _postventa_check_unlocked(self):
        locked = self._postventa_locked()
        if locked:
            raise UserError(
                self.env._(
                    "Quote %(name)s is approved by purchasing and cannot be edited: set it back to draft first.",
                    name=", ".join(locked.mapped("name")),
                )
            )

    @api.model
    def _postventa_check_protected(self, names):
        if names:
            raise AccessError(self.env._(
                "%(fields)s of a spare-parts quote change only through the purchasing approval actions.",
                fields=", ".join(sorted(self._fields[name].string for name in names)),
            ))

    def _postventa_write_approval(self, vals):
        """The approval actions' way to write APPROVAL_FIELDS (they check the caller first); private, so not
        reachable over RPC, and no context key opens it."""
        return self.sudo().write(vals)

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            for vals in vals_list:
                self._postventa_check_protected(
                    [f for f in APPROVAL_FIELDS.intersection(vals)
                     if vals[f] and not (f == "postventa_approval_state" and vals[f] == "to_approve")]
                )
                if vals.get("postventa_case_id"):
                    if vals.get("state") in CUSTOMER_STATES:
                        raise UserError(self.env._("A quote of a case is approved by purchasing before it is sent "
                                                   "or confirmed."))
                    vals["postventa_approval_state"] = "to_approve"
        orders = super().create(vals_list)
        orders._postventa_sync_approval_activities()
        return orders

    def write(self, vals):
        if not self.env.su:
            self._postventa_check_protected(APPROVAL_FIELDS.intersection(vals))
            if BINDING_FIELDS.intersection(vals) and self.filtered(
                lambda o: o.postventa_case_id or o.postventa_approval_state
            ):
                self._postventa_check_protected(BINDING_FIELDS.intersection(vals))
        if vals.get("state") in CUSTOMER_STATES:
            # action_confirm and the mail composer check this too; a plain write must not skip it.
            self._postventa_check_approved()
        if LOCKED_ORDER_FIELDS.intersection(vals):
            self._postventa_check_unlocked()
        result = super().write(vals)
        if "postventa_approval_state" in vals:
            self._postventa_sync_approval_activities()
        return result

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_postventa_approve(self):
        self._postventa_check_approver()
        todo = self.filtered(lambda o: o.postventa_approval_state in ("to_approve", "rejected"))
        if self and not todo:
            raise UserError(self.env._("There is no quote waiting for approval."))
        if todo.filtered(lambda o: o.state not in ("draft", "sent")):
            raise UserError(self.env._("Only quotations (draft or sent) can be approved."))
        todo.check_access("write")
        todo._postventa_write_approval(
            {
                "postventa_approval_state": "approved",
                "postventa_approved_by_id": self.env.uid,
                "postventa_approved_date": fields.Datetime.now(),
                "postventa_reject_reason": False,
            }
        )
        items = []
        for order in todo:
            order._portal_ensure_token()
            data = order._postventa_event_data()
            data["approved_by"] = self.env.user.name
            data["portal_url"] = order.get_base_url() + order.get_portal_url()
            items.append(("quote.approved", order.postventa_case_id, data))
            order.postventa_case_id.message_post(
                body=self.env._("Quote %(name)s approved by %(user)s.", name=order.name, user=self.env.user.name)
            )
        self.env["postventa.event"]._emit_many(items)
        todo.postventa_case_id._bridge_touch()
        return True

    def action_postventa_reject(self):
        self._postventa_check_approver()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Reject Quote"),
            "res_model": "postventa.quote.reject.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_order_ids": self.ids},
        }

    def _postventa_reject(self, reason):
        self._postventa_check_approver()
        if not (reason or "").strip():
            raise UserError(self.env._("Give a reason to reject the quote."))
        self.check_access("write")
        self._postventa_write_approval(
            {"postventa_approval_state": "rejected", "postventa_reject_reason": reason.strip()}
        )
        self.postventa_case_id._bridge_touch()
        for order in self:
            order.postventa_case_id.message_post(
                body=self.env._("Quote %(name)s rejected by purchasing: %(reason)s", name=order.name, reason=reason)
            )
        return True

    def action_postventa_reset_approval(self):
        """Back to draft: unlocks an approved quote for editing; it then needs approval again."""
        self._postventa_check_approver()
        self.check_access("write")
        orders = self.filtered(lambda o: o.postventa_case_id and o.state in ("draft", "sent"))
        orders._postventa_write_approval({"postventa_approval_state": "to_approve", "state": "draft"})
        orders.postventa_case_id._bridge_touch()
        for order in orders:
            order.postventa_case_id.message_post(
                body=self.env._("Quote %(name)s set back to draft; it needs approval again.", name=order.name)
            )
        return True

    def action_draft(self):
        # Sent and approved back to draft is the approval's reset: an approver's call. Back from cancelled
        # (or a sent quote never approved) needs approval again: the safe direction, open to whoever may draft.
        if self.filtered(lambda o: o.postventa_case_id and o.state == "sent"
                         and o.postventa_approval_state == "approved"):
            self._postventa_check_approver()
        drafted = self.filtered(lambda o: o.postventa_case_id and o.state in ("cancel", "sent"))
        res = super().action_draft()
        drafted._postventa_write_approval({"postventa_approval_state": "to_approve"})
        return res

    def _postventa_check_approved(self):
        pending = self.filtered(lambda o: o.postventa_case_id and o.postventa_approval_state != "approved")
        if pending:
            raise UserError(
                self.env._(
                    "Quote %(name)s must be approved by purchasing before the customer sees or accepts it.",
                    name=", ".join(pending.mapped("name")),
                )
            )

    def _has_to_be_signed(self):
        # The portal offers to sign only quotes that purchasing approved.
        return super()._has_to_be_signed() and not self._postventa_awaiting_approval()

    def _has_to_be_paid(self):
        return super()._has_to_be_paid() and not self._postventa_awaiting_approval()

    def _postventa_awaiting_approval(self):
        self.ensure_one()
        return bool(self.postventa_case_id) and self.postventa_approval_state != "approved"

    def action_quotation_send(self):
        self._postventa_check_approved()
        return super().action_quotation_send()

    def action_preview_sale_order(self):
        self._postventa_check_approved()
        return super().action_preview_sale_order()

    def action_confirm(self):
        case_orders = self.filtered("postventa_case_id")
        case_orders._postventa_check_approved()
        needs = case_orders._postventa_purchase_needs()
        res = super().action_confirm()
        purchases = case_orders._postventa_create_purchase_orders(needs)
        channel = self.env.context.get("postventa_accept_channel")
        items = []
        for order in case_orders:
            data = order._postventa_event_data()
            data["channel"] = channel or ("portal" if order.signature else "odoo")
            data["purchase_orders"] = [
                {
                    "name": po.name,
                    "supplier": po.partner_id.name,
                    "supplier_id": po.partner_id.id,
                    "date_planned": po.date_planned.isoformat() if po.date_planned else None,
                    "amount_total": po.amount_total,
                    "currency": po.currency_id.name,
                }
                for po in purchases.filtered(lambda p, o=order: p.postventa_sale_id == o)
            ]
            # Odoo is the one producer of quote.accepted, whatever the channel (WhatsApp acceptances reach
            # it through bridge_accept_quote).
            items.append(("quote.accepted", order.postventa_case_id, data))
            order.postventa_case_id.message_post(
                body=self.env._("Quote %(name)s accepted by the customer (%(channel)s).",
                                name=order.name, channel=data["channel"])
            )
        if items:
            self.env["postventa.event"]._emit_many(items)
        case_orders.postventa_case_id._bridge_touch()
        return res

    # ------------------------------------------------------------------
    # Purchasing: POs per supplier chosen by SLA
    # ------------------------------------------------------------------
    def _postventa_purchase_needs(self):
        """``{line id: qty to buy}``: what our stock does not cover, read before the delivery reserves it."""
        needs = {}
        for order in self:
            lines = order.order_line.filtered(
                lambda line: line.postventa_supplierinfo_id
                and not line.display_type
                and line.product_id.type == "consu"
            )
            free = {}
            for line in lines:
                product = line.product_id.with_company(order.company_id)
                available = free.setdefault(product.id, max(product.free_qty, 0.0) if product.is_storable else 0.0)
                qty = line.product_uom_id._compute_quantity(line.product_uom_qty, product.uom_id)
                take = min(available, qty)
                free[product.id] = available - take
                if qty - take > 0:
                    needs[line.id] = qty - take
        return needs

    def _postventa_create_purchase_orders(self, needs):
        """One draft PO per (quote, supplier, currency) with expected dates from the supplier's lead time."""
        groups = defaultdict(list)
        for order in self:
            for line in order.order_line:
                if needs.get(line.id):
                    info = line.postventa_supplierinfo_id
                    groups[(order, info.partner_id, info.currency_id or order.company_id.currency_id)].append(line)
        if not groups:
            return self.env["purchase.order"]
        today = fields.Date.context_today(self)
        vals_list = []
        for (order, partner, currency), lines in groups.items():
            order_lines = []
            for line in lines:
                info = line.postventa_supplierinfo_id
                planned = datetime.combine(today + timedelta(days=info.delay), time(12, 0))
                order_lines.append(
                    fields.Command.create(
                        {
                            "product_id": line.product_id.id,
                            "product_qty": max(needs[line.id], info.min_qty or 0.0),
                            "product_uom_id": line.product_id.uom_id.id,
                            "price_unit": info.price,
                            "date_planned": planned,
                            "name": line.product_id.display_name,
                        }
                    )
                )
            vals_list.append(
                {
                    "partner_id": partner.id,
                    "company_id": order.company_id.id,
                    "currency_id": currency.id,
                    "origin": f"{order.name} / {order.postventa_case_id.name}",
                    "postventa_case_id": order.postventa_case_id.id,
                    "postventa_sale_id": order.id,
                    "order_line": order_lines,
                }
            )
        purchases = self.env["purchase.order"].sudo().create(vals_list)
        for purchase in purchases:
            purchase.postventa_case_id.message_post(
                body=self.env._(
                    "Draft request for quotation %(po)s prepared for %(supplier)s (not sent yet); "
                    "parts expected %(date)s.",
                    po=purchase.name,
                    supplier=purchase.partner_id.name,
                    date=format_date(self.env, purchase.date_planned.date()) if purchase.date_planned else "-",
                )
            )
        return purchases

    # ------------------------------------------------------------------
    # Events
    # ------------------------------------------------------------------
    def _postventa_recommended_supplier(self):
        """The supplier carrying the largest share of the parts cost (for events and analytics)."""
        self.ensure_one()
        share = defaultdict(float)
        for line in self.order_line.filtered("postventa_vendor_id"):
            share[line.postventa_vendor_id] += line.price_subtotal or line.price_unit
        if not share:
            return None
        partner = max(share, key=lambda p: (share[p], -p.id))
        return {"id": partner.id, "name": partner.name}

    def _postventa_event_data(self):
        self.ensure_one()
        case = self.postventa_case_id
        return {
            "case_id": case.id,
            "case": case.name,
            "neon_id": case.neon_id or None,
            "quote": {
                "id": self.id,
                "name": self.name,
                "state": self.state,
                "approval_state": self.postventa_approval_state or None,
                "amount_untaxed": self.amount_untaxed,
                "amount_tax": self.amount_tax,
                "amount_total": self.amount_total,
                "currency": self.currency_id.name,
                "validity_date": self.validity_date.isoformat() if self.validity_date else None,
            },
            "promised_date": self.postventa_sla_date.isoformat() if self.postventa_sla_date else None,
            "sla_ok": self.postventa_sla_ok,
            "recommended_supplier": self._postventa_recommended_supplier(),
            "lines": self.order_line._postventa_line_data(),
        }

    def action_postventa_view_purchases(self):
        self.ensure_one()
        return self.postventa_case_id._postventa_open(self.postventa_purchase_ids, "purchase.order")

    # ------------------------------------------------------------------
    # Approvals land on a person: an activity for a purchasing approver while a quote waits
    # (the company's first dedicated approver; an after-sales administrator only when there is
    # none), marked done when the quote is approved or rejected.
    # ------------------------------------------------------------------
    @api.private
    def _postventa_approver(self, company):
        approvers = self.env.ref(APPROVER_GROUP).sudo().all_user_ids.filtered(
            lambda u: u.active and not u.share and u.id != SUPERUSER_ID and company in u.company_ids
        ) - self.env.ref("postventa.group_postventa_integration").sudo().all_user_ids
        admins = self.env.ref("postventa.group_postventa_admin").sudo().all_user_ids
        return ((approvers - admins) or approvers).sorted("id")[:1]

    @api.private
    def _postventa_sync_approval_activities(self):
        activity_type = self.env.ref(APPROVAL_ACTIVITY, raise_if_not_found=False)
        orders = self.sudo().filtered("postventa_case_id")
        if not orders or not activity_type:
            return
        waiting = orders.filtered(lambda o: o.postventa_approval_state == "to_approve")
        (orders - waiting).activity_feedback([APPROVAL_ACTIVITY], only_automated=False)
        waiting = waiting.filtered(lambda o: activity_type not in o.activity_ids.activity_type_id)
        for company, company_orders in waiting.grouped("company_id").items():
            approver = self._postventa_approver(company)
            if not approver:
                continue
            self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True).create([
                {
                    "res_model_id": self.env["ir.model"]._get_id(self._name),
                    "res_id": order.id,
                    "activity_type_id": activity_type.id,
                    "summary": self.env._("Approve quote %(quote)s (%(case)s)", quote=order.name,
                                          case=order.postventa_case_id.name),
                    "user_id": approver.id,
                }
                for order in company_orders
            ])
