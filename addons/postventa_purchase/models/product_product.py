import re
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import MissingError, UserError

from .. import partnumbers, sla

_NOT_DIGITS = re.compile(r"\D+")


def _phone_key(number):
    """Digits of a phone number for comparison: ``whatsapp:+5215511112222`` == ``+52 55 1111 2222``
    (Mexican mobiles are written with and without the old "1" after the country code)."""
    digits = _NOT_DIGITS.sub("", (number or "").removeprefix("whatsapp:"))
    if digits.startswith("521") and len(digits) == 13:
        digits = "52" + digits[3:]
    return digits if len(digits) >= 8 else ""


class ProductProduct(models.Model):
    _inherit = "product.product"

    # ------------------------------------------------------------------
    # Offers and the supplier choice
    # ------------------------------------------------------------------
    @api.model
    def _postventa_rates(self, currency_names, company, date):
        """How many company-currency units one unit of each currency is worth (for the SLA engine)."""
        base = company.currency_id
        currencies = self.env["res.currency"].with_context(active_test=False).search(
            [("name", "in", list(set(currency_names)))]
        )
        return {
            currency.name: currency._get_conversion_rate(currency, base, company, date)
            for currency in currencies
            if currency != base
        }

    def _postventa_offers(self, company=None):
        """Supplier offers of these products: ``{product id: [sla.Offer, ...]}`` (one search for all)."""
        company = company or self.env.company
        infos = self.env["product.supplierinfo"].sudo().search(
            [
                ("product_tmpl_id", "in", self.product_tmpl_id.ids),
                ("company_id", "in", [False, company.id]),
                ("partner_id.active", "=", True),
            ]
        )
        by_template = {product.product_tmpl_id.id: product for product in self}
        offers = defaultdict(list)
        for info in infos:
            product = info.product_id if info.product_id in self else by_template.get(info.product_tmpl_id.id)
            if not product:
                continue
            offer = info._postventa_offer()
            if offer.product_id != product.id:
                offer = sla.Offer(**{**offer.__dict__, "product_id": product.id})
            offers[product.id].append(offer)
        return offers

    @api.model
    def _postventa_choose(self, offers, qty, promised, company=None, today=None):
        """Run the SLA engine over ``offers`` (plain :class:`sla.Offer` objects) for ``company``."""
        company = company or self.env.company
        today = today or fields.Date.context_today(self)
        rates = self._postventa_rates([o.currency for o in offers], company, today)
        weights = sla.Weights(backorder_days=company.postventa_backorder_days)
        return sla.choose_supplier(
            offers, qty, promised, today, base_currency=company.currency_id.name, rates=rates, weights=weights
        )

    # ------------------------------------------------------------------
    # /spareparts (JSON-2, for the bridge)
    # ------------------------------------------------------------------
    @api.model
    def postventa_spareparts(self, part_number=None, query=None, case_id=None, fault_code=None, limit=20,
                             contact=None):
        """What the bridge serves at ``GET /spareparts`` (schema: ``schemas/spareparts.json``).

        Look a part up by any of its numbers (Toyota or aftermarket, normalized, through the
        equivalence table), by free text, or list the typical parts of a case's or a fault's fault.

        Who gets what (docs/odoo-bridge-contract.md): after-sales staff work with their own rights
        (record rules, their companies) and get the quote's portal link when they may read the quote;
        the integration user (the bridge) sees the cases of its companies and gets the portal link only
        when ``contact`` (the WhatsApp number the bridge verified) is the phone on file of the quote's
        customer. Anyone else is refused.
        """
        staff = self.env.user.has_group("postventa.group_postventa_user")
        if not staff:
            self.env["postventa.case"]._check_bridge_access()
        if not any((part_number, query, case_id, fault_code)):
            raise UserError(self.env._("Give a part number, a text query, a case or a fault code."))
        limit = max(1, min(int(limit or 20), 100))
        # Staff read with their own rights; the bridge's user has no rights of its own (it reaches data
        # only through methods that checked it, as here), so it reads as superuser within its companies.
        env = self.env if staff else self.sudo().env
        company = env.company
        today = fields.Date.context_today(self)

        case = env["postventa.case"]
        if case_id:
            case = env["postventa.case"].browse(int(case_id)).exists()
            if case and not staff and case.company_id not in self.env.user.company_ids:
                case = env["postventa.case"]  # another company's case does not exist for this key
            if not case:
                raise MissingError(self.env._("Case %(id)s does not exist.", id=case_id))
            case.check_access("read")  # staff: record rules (multi-company) apply
            company = case.company_id or company
        fault = env["postventa.fault"]
        if fault_code:
            fault = env["postventa.fault"].with_context(active_test=False).search(
                [("code", "=", fault_code.strip().upper())], limit=1
            )
            if not fault:
                raise MissingError(self.env._("Fault %(code)s does not exist.", code=fault_code))
        elif case:
            fault = case.fault_id

        templates = env["product.template"]
        if part_number:
            equivalence = env["postventa.part.equivalence"]
            templates |= equivalence._postventa_templates_for(equivalence._postventa_closure([part_number]))
        if query:
            text = query.strip()
            norm = partnumbers.normalize(text)
            domain = [("postventa_is_part", "=", True)]
            domain += ["|", "|", "|", ("name", "ilike", text), ("postventa_brand", "ilike", text),
                       ("default_code", "ilike", text), ("postventa_part_number_norm", "=like", f"{norm}%")]
            templates |= env["product.template"].search(domain, limit=limit)
        if not (part_number or query) and fault:
            parts = case._postventa_typical_parts() if case and case.fault_id == fault else fault.part_ids
            templates |= parts.product_tmpl_id

        if case:
            promised = case._postventa_sla_date()
            severity = case.fault_id.severity or "medium"
            start = fields.Date.to_date(case.create_date) if case.create_date else today
        else:
            severity = fault.severity or "medium"
            start = today
            promised = sla.promised_date(start, severity, company._postventa_sla_days())

        Product = env["product.product"]
        roots = Product._postventa_group_roots(templates)[:limit]
        items = [
            Product._postventa_spareparts_item(root, case, fault, promised, company, today) for root in roots
        ]
        primary = items[0] if items else None
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "")
        quote = case.postventa_quote_id if case else env["sale.order"]
        return {
            "query": {
                "part_number": part_number or None,
                "q": query or None,
                "case_id": int(case_id) if case_id else None,
                "fault_code": fault_code or None,
            },
            "generated_at": fields.Datetime.now().isoformat(timespec="seconds") + "Z",
            "currency": company.currency_id.name,
            "case": {
                "id": case.id,
                "name": case.name,
                "neon_id": case.neon_id or None,
                "warranty_status": case.warranty_status or None,
            } if case else None,
            "fault": {
                "code": fault.code,
                "name": fault.name,
                "severity": fault.severity,
                "labor_hours": fault.labor_hours,
                "is_wear_item": fault.is_wear_item,
            } if fault else None,
            "sla": {
                "severity": severity,
                "start_date": start.isoformat(),
                "promised_date": promised.isoformat(),
                "days": (promised - start).days,
            },
            "garantia": Product._postventa_case_warranty(case),
            # The primary (first) part at the top level, as DESIGN.md lists the keys; all parts in ``items``.
            "part_number": primary["part"]["part_number"] if primary else None,
            "name": primary["part"]["name"] if primary else None,
            "toyota": primary["toyota"] if primary else None,
            "stock": primary["stock"] if primary else None,
            # Every item's offers, each item's recommended one first (entries say which part they are for).
            "proveedores": [s for item in items for s in item["proveedores"] if s["recommended"]]
            + [s for item in items for s in item["proveedores"] if not s["recommended"]],
            "count": len(items),
            "items": items,
            "links": {
                "odoo_case": f"{base_url}/odoo/postventa.case/{case.id}" if case else None,
                # The customer's link exists only once purchasing approved the quote, and only for its customer
                # (or staff who may read the quote): it opens the quote to whoever holds it.
                "quote": f"{base_url}{quote.sudo().get_portal_url()}"
                if quote and quote.postventa_approval_state == "approved"
                and self._postventa_may_see_portal_link(quote, staff, contact)
                else None,
            },
        }

    @api.model
    def _postventa_may_see_portal_link(self, quote, staff, contact):
        if staff:
            return quote.with_env(self.env).has_access("read")
        phones = {_phone_key(p) for p in (quote.partner_id | quote.partner_id.commercial_partner_id)
                  .mapped("phone")} - {""}
        return bool(contact) and _phone_key(contact) in phones

    @api.model
    def _postventa_group_roots(self, templates):
        """Collapse found parts onto the Toyota part they are an equivalent of (keeps unmatched ones)."""
        roots = self.env["product.template"]
        for template in templates:
            oem = template.postventa_equivalent_of_ids.filtered("active").product_tmpl_id[:1]
            roots |= oem if (oem and not template.postventa_is_oem) else template
        return roots

    @api.model
    def _postventa_case_warranty(self, case):
        if not case:
            return {
                "applies": None,
                "status": None,
                "reason": self.env._("No case given: warranty depends on the vehicle and the fault."),
                "policy_version": None,
            }
        decision = case.decision_id
        status = case.warranty_status or "pending"
        if status == "eligible":
            applies, reason = True, self.env._("The warranty decision for this case is eligible.")
        elif status == "no_eligible":
            applies = False
            reason = self._postventa_decision_reasons(decision) or self.env._("The warranty does not apply.")
        elif status == "review":
            applies, reason = None, self.env._("The warranty decision is under review by the warranty manager.")
        else:
            applies, reason = None, self.env._("The warranty has not been evaluated yet.")
        return {
            "applies": applies,
            "status": status,
            "reason": reason,
            "policy_version": (decision.policy_version or None) if decision else None,
        }

    @api.model
    def _postventa_decision_reasons(self, decision):
        if not decision:
            return ""
        reasons = decision.reasons
        if isinstance(reasons, list) and reasons:
            return "; ".join(str(r.get("message") or r.get("code")) for r in reasons if isinstance(r, dict))
        return decision.reason_text or ""

    @api.model
    def _postventa_part_warranty(self, template, case, fault):
        if not case:
            return {"covered": None, "reason": self.env._("No case given.")}
        status = case.warranty_status or "pending"
        typical = fault.part_ids.product_tmpl_id if fault else self.env["product.template"]
        if status == "eligible":
            if fault.is_wear_item:
                return {"covered": False, "reason": self.env._("Wear items are not covered by the warranty.")}
            if template in typical:
                return {"covered": True, "reason": self.env._(
                    "Typical part of fault %(code)s, covered by the eligible warranty decision.", code=fault.code)}
            return {"covered": False, "reason": self.env._(
                "Not a typical part of fault %(code)s: the warranty manager decides.", code=fault.code or "-")}
        if status == "no_eligible":
            return {"covered": False, "reason": self._postventa_decision_reasons(case.decision_id)
                    or self.env._("The warranty does not apply.")}
        return {"covered": None, "reason": self.env._("The warranty decision is pending.")}

    @api.model
    def _postventa_spareparts_item(self, root, case, fault, promised, company, today):
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "")
        direct = root.postventa_equivalence_ids.filtered("active")
        # One more hop: equivalents of the equivalents (cross references between aftermarket brands).
        equivalences = direct | direct.equivalent_tmpl_id.postventa_equivalence_ids.filtered(
            lambda e: e.active and e.equivalent_tmpl_id != root
        )
        products = root.product_variant_id | equivalences.equivalent_tmpl_id.product_variant_id
        offers_by_product = products._postventa_offers(company)
        offers = [o for p in products for o in offers_by_product.get(p.id, [])]
        choice = self._postventa_choose(offers, 1.0, promised, company, today) if offers else None
        evaluations = {e.offer.offer_id: e for e in choice.ranking} if choice else {}
        product = root.product_variant_id
        suppliers = []
        for offer in offers:
            evaluation = evaluations.get(offer.offer_id)
            suppliers.append({
                "offer_id": offer.offer_id,
                "partner_id": offer.supplier_id,
                "name": offer.supplier_name,
                "product_id": offer.product_id,
                "part_number": offer.part_number,
                "brand": offer.brand,
                "price": offer.price,
                "currency": offer.currency,
                "price_company_currency": evaluation.unit_price_base if evaluation else None,
                "stock": offer.stock,
                "lead_time_days": offer.lead_days,
                "min_qty": offer.min_qty,
                "valid_until": offer.valid_until.isoformat() if offer.valid_until else None,
                "eta": evaluation.eta.isoformat() if evaluation and evaluation.eta else None,
                "sla_ok": bool(evaluation and evaluation.sla_ok),
                "score": evaluation.score if evaluation else None,
                "reliability": offer.reliability,
                "recommended": bool(choice and choice.offer and choice.offer.offer_id == offer.offer_id),
                "url": offer.url or None,
                "contact": offer.contact or None,
            })
        suppliers.sort(key=lambda s: (not s["recommended"], not s["sla_ok"], -(s["score"] or 0), s["name"]))
        stock_products = products.with_company(company)
        return {
            "part": {
                "product_id": product.id,
                "name": root.name,
                "part_number": root.postventa_part_number or None,
                "part_number_normalized": root.postventa_part_number_norm or None,
                "brand": root.postventa_brand or None,
                "is_oem": root.postventa_is_oem,
                "quality_grade": root.postventa_quality_grade or None,
                "list_price": root.list_price,
            },
            "toyota": {
                "part_number": partnumbers.format_toyota(root.postventa_part_number),
                "name": root.name,
                "product_id": product.id,
            } if root.postventa_is_oem else None,
            "equivalents": [
                {
                    "brand": eq.brand,
                    "part_number": eq.part_number,
                    "part_number_normalized": eq.part_number_norm,
                    "quality_grade": eq.quality_grade or None,
                    "fitment_notes": eq.fitment_notes or None,
                    "via": (eq.product_tmpl_id.postventa_part_number or None) if eq.product_tmpl_id != root else None,
                    "product_id": eq.equivalent_tmpl_id.product_variant_id.id or None,
                    "stock_on_hand": eq.equivalent_tmpl_id.product_variant_id.with_company(company).qty_available
                    if eq.equivalent_tmpl_id else None,
                }
                for eq in equivalences
            ],
            "garantia": self._postventa_part_warranty(root, case, fault),
            "proveedores": suppliers,
            "recommended": choice.as_dict() if choice else None,
            "stock": {
                "on_hand": product.with_company(company).qty_available,
                "forecast": product.with_company(company).virtual_available,
                "free": product.with_company(company).free_qty,
                "on_hand_with_equivalents": sum(stock_products.mapped("qty_available")),
                "uom": product.uom_id.name,
            },
            "links": {
                "odoo": f"{base_url}/odoo/product.template/{root.id}",
                "suppliers": sorted({s["url"] for s in suppliers if s["url"]}),
            },
        }
