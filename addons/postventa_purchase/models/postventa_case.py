from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import MissingError, UserError

from odoo.addons.sale.models.sale_order import SALE_ORDER_STATE

from .. import fitment, sla
from .sale_order import APPROVAL_STATES


class PostventaCase(models.Model):
    _inherit = "postventa.case"

    postventa_sale_ids = fields.One2many("sale.order", "postventa_case_id", string="Quotes")
    postventa_sale_count = fields.Integer(string="Quote Count", compute="_compute_postventa_sale_count")
    postventa_quote_id = fields.Many2one(
        "sale.order", string="Current Quote", compute="_compute_postventa_quote_id",
        help="The most recent quote that is not cancelled.",
    )
    # A list, not a lambda: a selection computed by a lambda is never translated ("Sales Order").
    postventa_quote_state = fields.Selection(
        SALE_ORDER_STATE, string="Quote Status", compute="_compute_postventa_quote_id"
    )
    postventa_quote_approval_state = fields.Selection(
        APPROVAL_STATES, string="Quote Approval", compute="_compute_postventa_quote_id"
    )
    postventa_purchase_ids = fields.One2many(
        "purchase.order", "postventa_case_id", string="Purchase Orders", groups="purchase.group_purchase_user"
    )
    postventa_purchase_count = fields.Integer(
        string="Purchase Order Count", compute="_compute_postventa_purchase_count"
    )
    postventa_choice_ids = fields.One2many("postventa.supplier.choice", "case_id", string="Supplier Choices")
    postventa_sla_date = fields.Date(
        string="Promised Date", compute="_compute_postventa_sla_date",
        help="Case date + the SLA days of the fault's severity (Settings > Postventa Parts).",
    )

    @api.depends("postventa_sale_ids")
    def _compute_postventa_sale_count(self):
        for case in self:
            case.postventa_sale_count = len(case.postventa_sale_ids)

    @api.depends("postventa_sale_ids.state", "postventa_sale_ids.postventa_approval_state")
    def _compute_postventa_quote_id(self):
        for case in self:
            quote = case.postventa_sale_ids.filtered(lambda o: o.state != "cancel").sorted("id", reverse=True)[:1]
            case.postventa_quote_id = quote
            case.postventa_quote_state = quote.state
            case.postventa_quote_approval_state = quote.postventa_approval_state

    def _compute_postventa_purchase_count(self):
        counts = dict(
            self.env["purchase.order"].sudo()._read_group(
                [("postventa_case_id", "in", self.ids)], ["postventa_case_id"], ["__count"]
            )
        )
        for case in self:
            case.postventa_purchase_count = counts.get(case, 0)

    @api.depends("create_date", "fault_id.severity", "company_id")
    def _compute_postventa_sla_date(self):
        for case in self:
            case.postventa_sla_date = case._postventa_sla_date()

    def _postventa_typical_parts(self):
        """The fault's typical parts that fit the case's vehicle: model, model year, and the axle when
        the fault names one ("Balatas delanteras…"). None fitting means none quoted: the advisor adds
        the right part by hand rather than the customer being quoted one that does not fit."""
        self.ensure_one()
        vehicle = self.vehicle_id
        position = fitment.position_named(self.fault_id.name)
        return self.fault_id.part_ids.filtered(
            lambda part: part.product_tmpl_id._postventa_fits(vehicle.model_name, vehicle.model_year, position)
        )

    def _postventa_sla_date(self):
        self.ensure_one()
        company = self.company_id or self.env.company
        start = fields.Date.to_date(self.create_date) if self.create_date else fields.Date.context_today(self)
        return sla.promised_date(start, self.fault_id.severity, company._postventa_sla_days())

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_postventa_create_quote(self):
        self.check_access("write")
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Create Quote"),
            "res_model": "postventa.quote.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_case_ids": self.ids},
        }

    def _postventa_open(self, records, model):
        action = {"type": "ir.actions.act_window", "res_model": model, "context": {"create": False}}
        if len(records) == 1:
            action.update(view_mode="form", res_id=records.id)
        else:
            action.update(view_mode="list,form", domain=[("id", "in", records.ids)])
        action["name"] = records._description if records else self.env[model]._description
        return action

    def action_postventa_view_quotes(self):
        self.ensure_one()
        return self._postventa_open(self.postventa_sale_ids, "sale.order")

    def action_postventa_view_purchases(self):
        self.ensure_one()
        return self._postventa_open(self.postventa_purchase_ids, "purchase.order")

    # ------------------------------------------------------------------
    # Quote generation (batch-safe)
    # ------------------------------------------------------------------
    def _postventa_create_quotes(self, preference="best", channel="odoo"):
        """Build one quotation per case: the fault's typical parts (supplier chosen by SLA) + labor.

        Batch-safe: offers, equivalences and stock are read once for all cases; the quotes are created
        with one ``create`` call. Emits ``quote.requested`` and ``quote.created`` for each case.
        """
        if not self:
            return self.env["sale.order"]
        missing = self.filtered(lambda c: not c.partner_id or not c.fault_id)
        if missing:
            raise UserError(
                self.env._(
                    "Case %(names)s needs a customer and a fault before it can be quoted.",
                    names=", ".join(missing.mapped("name")),
                )
            )
        today = fields.Date.context_today(self)
        parts = self.fault_id.part_ids
        candidates = self._postventa_candidates(parts, preference)
        products = parts.browse({p.id for cands in candidates.values() for p in cands})
        offers_by_product = {}
        free_qty = {}
        for company in self.company_id or self.env.company:
            offers_by_product[company.id] = products._postventa_offers(company)
            free_qty[company.id] = {
                p.id: (p.free_qty if p.is_storable else 0.0) for p in products.with_company(company)
            }

        order_vals, pending_choices = [], []
        for case in self:
            company = case.company_id or self.env.company
            promised = case._postventa_sla_date()
            labor = company._postventa_labor_product()
            lines, choices = [], []
            for part in case._postventa_typical_parts():
                line, choice = case._postventa_quote_part_line(
                    part, candidates[part.id], offers_by_product[company.id], free_qty[company.id],
                    promised, company, today,
                )
                lines.append(fields.Command.create(line))
                choices.append(choice)
            if labor and case.fault_id.labor_hours:
                # The customer reads this line: the company's language, whoever builds the quote.
                in_company_lang = self.with_context(lang=company._postventa_lang()).env
                lines.append(
                    fields.Command.create(
                        {
                            "product_id": labor.id,
                            "name": in_company_lang._(
                                "Labor: %(fault)s (%(hours)s h x %(rate)s)",
                                fault=case.fault_id.with_env(in_company_lang).display_name,
                                hours=case.fault_id.labor_hours,
                                rate=company.postventa_labor_rate,
                            ),
                            "product_uom_qty": case.fault_id.labor_hours,
                            "price_unit": company.postventa_labor_rate,
                            "postventa_is_labor": True,
                        }
                    )
                )
            order_vals.append(
                {
                    "partner_id": case.partner_id.id,
                    "company_id": company.id,
                    "user_id": (case.user_id or self.env.user).id,
                    "origin": case.name,
                    "postventa_case_id": case.id,
                    "postventa_approval_state": "to_approve",
                    "postventa_sla_date": promised,
                    "postventa_part_preference": preference,
                    "order_line": lines,
                }
            )
            pending_choices.append(choices)

        orders = self.env["sale.order"].create(order_vals)
        choice_vals, events = [], []
        for case, order, choices in zip(self, orders, pending_choices, strict=True):
            part_lines = order.order_line.filtered(lambda line: not line.postventa_is_labor and not line.display_type)
            for line, vals in zip(part_lines.sorted("id"), choices, strict=True):
                choice_vals.append({**vals, "case_id": case.id, "sale_order_id": order.id, "sale_line_id": line.id})
            events.append(
                ("quote.requested", case, {
                    "case_id": case.id,
                    "case": case.name,
                    "neon_id": case.neon_id or None,
                    "fault_code": case.fault_id.code,
                    "channel": channel,
                    "preference": preference,
                })
            )
            events.append(("quote.created", case, order._postventa_event_data()))
            case.message_post(
                body=self.env._(
                    "Quote %(name)s created (%(amount)s %(currency)s), parts promised by %(date)s. "
                    "Waiting for purchasing approval.",
                    name=order.name,
                    amount=order.amount_total,
                    currency=order.currency_id.name,
                    date=fields.Date.to_string(order.postventa_sla_date),
                )
            )
        self.env["postventa.supplier.choice"].sudo().create(choice_vals)
        self.env["postventa.event"]._emit_many(events)
        self._bridge_touch()
        return orders

    @api.model
    def _postventa_candidates(self, parts, preference):
        """``{part id: products}`` that can supply each typical part, in preference order."""
        equivalences = self.env["postventa.part.equivalence"].search(
            [("product_tmpl_id", "in", parts.product_tmpl_id.ids), ("equivalent_tmpl_id", "!=", False)]
        )
        by_template = defaultdict(lambda: self.env["product.product"])
        for equivalence in equivalences:
            by_template[equivalence.product_tmpl_id.id] |= equivalence.equivalent_tmpl_id.product_variant_id
        result = {}
        for part in parts:
            equivalents = by_template[part.product_tmpl_id.id]
            if preference == "oem":
                result[part.id] = part
            elif preference == "aftermarket":
                result[part.id] = equivalents | part if equivalents else part
            else:
                result[part.id] = part | equivalents
        return result

    def _postventa_quote_part_line(self, part, candidates, offers_by_product, free_qty, promised, company, today):
        """Line values and supplier-choice values for one typical part."""
        self.ensure_one()
        qty = 1.0
        product_model = self.env["product.product"]
        in_stock = candidates.filtered(lambda p: free_qty.get(p.id, 0.0) >= qty)[:1]
        pool = in_stock or candidates
        offers = [o for p in pool for o in offers_by_product.get(p.id, [])]
        choice = product_model._postventa_choose(offers, qty, promised, company, today)
        if in_stock:
            product = in_stock
            sla_ok, eta, code = True, today, "from_stock"
            reason = self.env._("In our stock (%(qty)s available).", qty=free_qty[in_stock.id])
        elif choice.offer:
            product = product_model.browse(choice.offer.product_id)
            sla_ok, eta, code = choice.sla_ok, choice.evaluation.eta, choice.reason_code
            reason = self._postventa_choice_text(choice, company)
        else:
            product = part
            sla_ok, eta, code = False, False, choice.reason_code
            reason = self._postventa_choice_text(choice, company)
        offer_id = choice.offer.offer_id if choice.offer else False
        line = {
            "product_id": product.id,
            "product_uom_qty": qty,
            "postventa_part_id": part.id,
            "postventa_supplierinfo_id": offer_id,
            "postventa_expected_date": eta,
            "postventa_sla_ok": sla_ok,
            "postventa_choice_reason": reason[:250],
        }
        choice_vals = {
            "part_id": part.id,
            "product_id": product.id,
            "supplierinfo_id": offer_id,
            "partner_id": choice.offer.supplier_id if choice.offer else False,
            "company_id": company.id,
            "promised_date": promised,
            "eta": eta,
            "sla_ok": sla_ok,
            "score": choice.evaluation.score if choice.evaluation else 0.0,
            "cost": choice.evaluation.cost if choice.evaluation else 0.0,
            "reason_code": code,
            "reason": reason[:250],
            "offers_count": len(offers),
            "ranking": [e.as_dict() for e in choice.ranking[:10]],
        }
        return line, choice_vals

    def _postventa_choice_text(self, choice, company):
        """The engine's reason, in the user's language."""
        if not choice.offer:
            return self.env._("No usable supplier offer for this part (%(why)s).",
                              why=", ".join(choice.details.get("excluded") or []) or "-")
        evaluation = choice.evaluation
        params = {
            "supplier": choice.offer.supplier_name,
            "eta": fields.Date.to_string(evaluation.eta),
            "promised": fields.Date.to_string(choice.promised),
            "cost": f"{evaluation.cost:.2f}",
            "currency": company.currency_id.name,
        }
        if choice.reason_code == "late_fallback":
            return self.env._(
                "No offer arrives by %(promised)s; earliest is %(supplier)s on %(eta)s (%(days)s days late), "
                "cost %(cost)s %(currency)s.",
                days=choice.details.get("days_late"), **params,
            )
        text = self.env._(
            "%(supplier)s: arrives %(eta)s (promised %(promised)s), cost %(cost)s %(currency)s, score %(score)s; "
            "%(in_time)s of %(considered)s offers in time.",
            score=f"{evaluation.score:.3f}", in_time=choice.details["in_time"],
            considered=choice.details["considered"], **params,
        )
        if choice.details.get("tie"):
            text += " " + self.env._(
                "Tie with %(other)s broken by arrival, cost, reliability and name.", other=choice.details["runner_up"]
            )
        return text

    # ------------------------------------------------------------------
    # Recommended supplier on warranty decisions (hook of the core)
    # ------------------------------------------------------------------
    def _apply_decisions(self, decisions):
        # Recommend suppliers for all no_eligible cases at once (offers read once), then let the core
        # build the warranty.decided events, which pick them up in _decided_event_data.
        cases = decisions.filtered(lambda d: d.outcome == "no_eligible").case_id.filtered("fault_id.part_ids")
        if cases:
            recommended = cases._postventa_recommend_suppliers()
            frozen = tuple((case_id, tuple(sorted(rec.items()))) for case_id, rec in recommended.items())
            decisions = decisions.with_context(postventa_recommended_suppliers=frozen)
        return super()._apply_decisions(decisions)

    def _decided_event_data(self, decision):
        data = super()._decided_event_data(decision)
        if decision.outcome == "no_eligible" and self.fault_id.part_ids:
            known = dict(self.env.context.get("postventa_recommended_suppliers") or ())
            if self.id in known:
                recommended = dict(known[self.id])
            else:
                recommended = self._postventa_recommend_suppliers().get(self.id)
            if recommended:
                if not decision.recommended_supplier:
                    decision.sudo().recommended_supplier = recommended["name"]
                data["recommended_supplier"] = recommended
        return data

    def _postventa_recommend_suppliers(self, preference="best"):
        """``{case id: {"id", "name", "sla_ok", "promised_date"}}``: the supplier the SLA logic would buy most
        of each case's typical parts from (by cost). Batch-safe: one read of offers for all cases."""
        result = {}
        today = fields.Date.context_today(self)
        parts = self.fault_id.part_ids
        candidates = self._postventa_candidates(parts, preference)
        products = parts.browse({p.id for cands in candidates.values() for p in cands}).sudo()
        memo = {}
        for company, cases in self.grouped(lambda c: c.company_id or self.env.company).items():
            offers_by_product = products._postventa_offers(company)
            for case in cases:
                promised = case._postventa_sla_date()
                share, names, on_time = defaultdict(float), {}, {}
                for part in case._postventa_typical_parts():
                    key = (company.id, part.id, promised)
                    if key not in memo:
                        offers = [o for p in candidates[part.id] for o in offers_by_product.get(p.id, [])]
                        memo[key] = (
                            products._postventa_choose(offers, 1.0, promised, company, today) if offers else None
                        )
                    choice = memo[key]
                    if choice and choice.offer:
                        share[choice.offer.supplier_id] += choice.evaluation.cost or 0.0
                        names[choice.offer.supplier_id] = choice.offer.supplier_name
                        on_time[choice.offer.supplier_id] = choice.sla_ok
                if share:
                    supplier_id = max(share, key=lambda s, share=share: (share[s], -s))
                    result[case.id] = {
                        "id": supplier_id,
                        "name": names[supplier_id],
                        "sla_ok": on_time[supplier_id],
                        "promised_date": promised.isoformat(),
                    }
        return result

    # ------------------------------------------------------------------
    # Bridge (JSON-2)
    # ------------------------------------------------------------------
    def _bridge_quote_dict(self):
        """The current quote for the bridge's ``bridge_changes`` (hook of the core)."""
        quote = self.sudo().postventa_quote_id
        if not quote:
            return None
        data = quote._postventa_event_data()["quote"]
        data.update(
            promised_date=fields.Date.to_string(quote.postventa_sla_date) if quote.postventa_sla_date else None,
            sla_ok=quote.postventa_sla_ok,
            recommended_supplier=quote._postventa_recommended_supplier(),
            portal_url=(quote.get_base_url() + quote.get_portal_url())
            if quote.postventa_approval_state == "approved" and quote.state in ("draft", "sent", "sale")
            else None,
            purchase_orders=[
                {"name": po.name, "supplier": po.partner_id.name, "state": po.state,
                 "date_planned": po.date_planned.isoformat() if po.date_planned else None}
                for po in quote.postventa_purchase_ids
            ],
        )
        return data

    @api.model
    def _postventa_case_by_neon(self, neon_id):
        case = self.sudo().search([("neon_id", "=", neon_id)], limit=1)
        if not case:
            raise MissingError(self.env._("No case with Neon id %(id)s.", id=neon_id))
        return case

    @api.model
    def bridge_request_quote(self, neon_id, preference="best"):
        """The customer asked for a quote (e.g. on WhatsApp). Idempotent: an open quote is returned as is."""
        self._check_bridge_access()
        if preference not in ("best", "oem", "aftermarket"):
            raise UserError(self.env._("Unknown parts preference %(p)s.", p=preference))
        case = self._postventa_case_by_neon(neon_id)
        open_quote = case.postventa_sale_ids.filtered(
            lambda o: o.state in ("draft", "sent") and o.postventa_approval_state != "rejected"
        ).sorted("id", reverse=True)[:1]
        created = not open_quote
        order = open_quote or case._postventa_create_quotes(preference=preference, channel="whatsapp")
        return {"neon_id": neon_id, "case": case.name, "created": created, "quote": order._postventa_event_data()}

    @api.model
    def bridge_accept_quote(self, neon_id):
        """The customer accepted on WhatsApp (relayed by the bridge): confirm the approved quote."""
        self._check_bridge_access()
        case = self._postventa_case_by_neon(neon_id)
        confirmed = case.postventa_sale_ids.filtered(lambda o: o.state == "sale").sorted("id", reverse=True)[:1]
        if confirmed:
            order, accepted = confirmed, False
        else:
            order = case.postventa_sale_ids.filtered(
                lambda o: o.state in ("draft", "sent") and o.postventa_approval_state == "approved"
            ).sorted("id", reverse=True)[:1]
            if not order:
                raise UserError(
                    self.env._("Case %(name)s has no quote approved by purchasing to accept.", name=case.name)
                )
            order.with_context(postventa_accept_channel="whatsapp").action_confirm()
            accepted = True
        data = order._postventa_event_data()
        data["purchase_orders"] = [
            {"name": po.name, "supplier": po.partner_id.name, "state": po.state,
             "date_planned": po.date_planned.isoformat() if po.date_planned else None}
            for po in order.postventa_purchase_ids
        ]
        return {"neon_id": neon_id, "case": case.name, "accepted": accepted, "quote": data}
