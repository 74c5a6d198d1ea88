from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.tests import Form, tagged

from .common import PostventaPurchaseCommon, load_schema, schema_problems

PNG_1PX = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="


@tagged("post_install", "-at_install")
class TestQuoteFlow(PostventaPurchaseCommon):
    def _quote(self, case, preference="best", user=None):
        case = case.with_user(user or self.user)
        return case._postventa_create_quotes(preference=preference).with_user(self.env.user)

    def test_no_eligible_case_gets_quote_with_parts_and_labor(self):
        case = self._no_eligible_case()
        self.assertEqual(case.warranty_status, "no_eligible")
        order = self._quote(case)
        self.assertEqual(order.postventa_case_id, case)
        self.assertEqual(order.partner_id, case.partner_id)
        self.assertEqual(order.postventa_approval_state, "to_approve")
        # severity high: 3 days from the day the case was opened (its creation date, the database's clock)
        self.assertEqual(order.postventa_sla_date, fields.Date.to_date(case.create_date) + timedelta(days=3))
        parts = order.order_line.filtered(lambda line: not line.postventa_is_labor)
        labor = order.order_line - parts
        # Pads: of the offers arriving within 3 days, the Wagner equivalent from Express is cheapest.
        pads_line = parts.filtered(lambda line: line.postventa_part_id == self.pads)
        self.assertEqual(pads_line.product_id, self.pads_wagner)
        self.assertEqual(pads_line.postventa_supplierinfo_id, self.offer_wagner_fast)
        self.assertEqual(pads_line.postventa_vendor_id, self.sup_fast)
        self.assertEqual(pads_line.postventa_expected_date, self._days(2))
        self.assertTrue(pads_line.postventa_sla_ok)
        filter_line = parts.filtered(lambda line: line.postventa_part_id == self.filter)
        self.assertEqual(filter_line.postventa_vendor_id, self.sup_cheap)
        # Labor: catalog hours x the shop's rate, on the labor service product.
        self.assertEqual(labor.product_id, self.env.ref("postventa_purchase.product_labor_hour"))
        self.assertEqual(labor.product_uom_qty, 1.5)
        self.assertEqual(labor.price_unit, 700.0)
        self.assertTrue(order.postventa_sla_ok)
        # Every choice is recorded, and each event is written once.
        self.assertEqual(len(order.postventa_choice_ids), 2)
        self.assertEqual(order.postventa_choice_ids.mapped("partner_id"), self.sup_fast | self.sup_cheap)
        self.assertEqual(len(self._events(case, "quote.requested")), 1)
        created = self._events(case, "quote.created")
        self.assertEqual(len(created), 1)
        self.assertEqual(created.data["quote"]["name"], order.name)
        self.assertIn(created.data["recommended_supplier"]["name"], (self.sup_fast.name, self.sup_cheap.name))
        self.assertEqual(case.postventa_quote_id, order)
        self.assertEqual(case.postventa_sale_count, 1)

    def test_customer_choice_of_toyota_genuine(self):
        order = self._quote(self._no_eligible_case(), preference="oem")
        pads_line = order.order_line.filtered(lambda line: line.postventa_part_id == self.pads)
        self.assertEqual(pads_line.product_id, self.pads)
        self.assertEqual(pads_line.postventa_vendor_id, self.sup_fast)  # the only Toyota offer in 3 days

    def test_part_in_our_stock_is_quoted_from_stock(self):
        self.env["stock.quant"]._update_available_quantity(
            self.filter, self.env.ref("stock.warehouse0").lot_stock_id, 5.0
        )
        order = self._quote(self._no_eligible_case())
        line = order.order_line.filtered(lambda line: line.postventa_part_id == self.filter)
        self.assertEqual(line.product_id, self.filter)
        self.assertEqual(line.postventa_expected_date, fields.Date.context_today(line))
        self.assertEqual(order.postventa_choice_ids.filtered(lambda c: c.part_id == self.filter).reason_code,
                         "from_stock")

    def test_supplier_choice_depends_on_the_fault_severity(self):
        low = self._create_fault("T-PRT-2", self.sys_brakes, wear=True, severity="low",
                                 part_ids=[fields.Command.set([self.pads.id])])
        order = self._quote(self._no_eligible_case(low), preference="oem")
        # 10 days: the slow, cheap supplier arrives in time and wins on price.
        self.assertEqual(order.order_line.filtered("postventa_part_id").postventa_vendor_id, self.sup_cheap)
        critical = self._create_fault("T-PRT-3", self.sys_brakes, wear=True, severity="critical",
                                      part_ids=[fields.Command.set([self.filter.id])])
        self.offer_filter_cheap.delay = 6
        order = self._quote(self._no_eligible_case(critical))
        line = order.order_line.filtered("postventa_part_id")
        # Nobody makes 2 days: the earliest offer is kept and the line says it misses the SLA.
        self.assertFalse(line.postventa_sla_ok)
        self.assertFalse(order.postventa_sla_ok)
        self.assertIn("No offer arrives by", line.postventa_choice_reason)

    def test_quote_wizard_from_the_case(self):
        case = self._no_eligible_case()
        action = case.with_user(self.user).action_postventa_create_quote()
        wizard = Form(self.env["postventa.quote.wizard"].with_user(self.user).with_context(**action["context"]))
        wizard.preference = "aftermarket"
        result = wizard.save().action_create()
        order = self.env["sale.order"].browse(result["res_id"])
        self.assertEqual(order.postventa_part_preference, "aftermarket")
        self.assertEqual(order.order_line.filtered(lambda line: line.postventa_part_id == self.pads).product_id,
                         self.pads_wagner)

    def test_approval_is_reserved_to_purchasing_approvers(self):
        order = self._quote(self._no_eligible_case())
        for user in (self.user, self.manager, self.outsider):
            with self.assertRaises(AccessError):
                order.with_user(user).action_postventa_approve()
            with self.assertRaises(AccessError):
                order.with_user(user).write({"postventa_approval_state": "approved"})
            with self.assertRaises(AccessError):
                order.with_user(user).write({"postventa_approved_by_id": user.id})
        with self.assertRaises(AccessError):
            order.with_user(self.user)._postventa_reject("no")
        with self.assertRaises(UserError):
            order.with_user(self.user).action_confirm()  # not approved yet
        with self.assertRaises(UserError):
            order.with_user(self.user).action_quotation_send()
        order.with_user(self.approver).action_postventa_approve()
        self.assertEqual(order.postventa_approval_state, "approved")
        self.assertEqual(order.postventa_approved_by_id, self.approver)
        approved = self._events(order.postventa_case_id, "quote.approved")
        self.assertEqual(len(approved), 1)
        self.assertIn("access_token=", approved.data["portal_url"])
        self.assertEqual(approved.data["approved_by"], self.approver.name)

    def test_approved_quote_is_locked_until_back_to_draft(self):
        order = self._quote(self._no_eligible_case())
        order.with_user(self.approver).action_postventa_approve()
        line = order.order_line[0]
        with self.assertRaises(UserError):
            line.with_user(self.user).price_unit = 1.0
        with self.assertRaises(UserError):
            order.with_user(self.user).write({"order_line": [fields.Command.delete(line.id)]})
        with self.assertRaises(UserError):
            self.env["sale.order.line"].with_user(self.user).create(
                {"order_id": order.id, "product_id": self.filter.id, "product_uom_qty": 1}
            )
        order.with_user(self.approver).action_postventa_reset_approval()
        self.assertEqual(order.postventa_approval_state, "to_approve")
        line.with_user(self.user).price_unit = 1.0
        self.assertEqual(line.price_unit, 1.0)

    def test_reject_with_reason(self):
        order = self._quote(self._no_eligible_case())
        action = order.with_user(self.approver).action_postventa_reject()
        wizard = Form(self.env[action["res_model"]].with_user(self.approver).with_context(**action["context"]))
        wizard.reason = "Precio de balatas fuera de rango"
        wizard.save().action_reject()
        self.assertEqual(order.postventa_approval_state, "rejected")
        self.assertEqual(order.postventa_reject_reason, "Precio de balatas fuera de rango")
        with self.assertRaises(UserError):
            order.with_user(self.approver)._postventa_reject("  ")
        self.assertFalse(self._events(order.postventa_case_id, "quote.approved"))

    def test_customer_acceptance_orders_parts_per_chosen_supplier(self):
        case = self._no_eligible_case(neon_id=91001)
        order = self._quote(case)
        with self.assertRaises(UserError):
            self.env["postventa.case"].with_user(self.integration).bridge_accept_quote(91001)
        order.with_user(self.approver).action_postventa_approve()
        result = self.env["postventa.case"].with_user(self.integration).bridge_accept_quote(91001)
        self.assertTrue(result["accepted"])
        self.assertEqual(order.state, "sale")
        purchases = case.postventa_purchase_ids
        self.assertEqual(len(purchases), 2)  # Express (Wagner pads) and Mayoreo (filter)
        by_vendor = {po.partner_id: po for po in purchases}
        self.assertEqual(set(by_vendor), {self.sup_fast, self.sup_cheap})
        pads_po = by_vendor[self.sup_fast]
        self.assertEqual(pads_po.order_line.product_id, self.pads_wagner)
        self.assertEqual(pads_po.order_line.price_unit, 600.0)
        self.assertEqual(pads_po.order_line.date_planned.date(), self._days(2))
        self.assertEqual(by_vendor[self.sup_cheap].order_line.date_planned.date(), self._days(2))
        self.assertEqual(purchases.mapped("postventa_sale_id"), order)
        self.assertEqual(case.postventa_purchase_count, 2)
        # Odoo is the one producer of quote.accepted (the bridge relays WhatsApp acceptances).
        accepted = self._events(case, "quote.accepted")
        self.assertEqual(len(accepted), 1)
        self.assertEqual(accepted.data["channel"], "whatsapp")
        self.assertEqual(len(accepted.data["purchase_orders"]), 2)
        self.assertEqual({po["supplier"] for po in result["quote"]["purchase_orders"]},
                         {self.sup_fast.name, self.sup_cheap.name})
        # Accepting again is harmless: same order, no new purchase orders or events.
        again = self.env["postventa.case"].with_user(self.integration).bridge_accept_quote(91001)
        self.assertFalse(again["accepted"])
        self.assertEqual(len(case.postventa_purchase_ids), 2)
        self.assertEqual(len(self._events(case, "quote.accepted")), 1)

    def test_portal_signature_confirms_and_skips_parts_in_stock(self):
        self.env["stock.quant"]._update_available_quantity(
            self.pads_wagner, self.env.ref("stock.warehouse0").lot_stock_id, 1.0
        )
        case = self._no_eligible_case()
        order = self._quote(case)
        order.with_user(self.approver).action_postventa_approve()
        # What the portal does when the customer signs: store the signature, then confirm (as sudo).
        order.sudo().write({"signature": PNG_1PX, "signed_by": "Cliente Prueba",
                            "signed_on": fields.Datetime.now()})
        order.sudo().action_confirm()
        self.assertEqual(order.state, "sale")
        self.assertEqual(case.postventa_purchase_ids.partner_id, self.sup_cheap)  # pads were in stock
        accepted = self._events(case, "quote.accepted")
        self.assertEqual(accepted.data["channel"], "portal")
        self.assertEqual(len(accepted.data["purchase_orders"]), 1)
        problems = schema_problems(load_schema("postventa/schemas/events/quote.accepted.json"),
                                   accepted._to_cloudevent())
        self.assertFalse(problems, problems)

    def test_bridge_request_quote_is_idempotent(self):
        case = self._no_eligible_case(neon_id=91002)
        bridge = self.env["postventa.case"].with_user(self.integration)
        first = bridge.bridge_request_quote(91002)
        self.assertTrue(first["created"])
        second = bridge.bridge_request_quote(91002)
        self.assertFalse(second["created"])
        self.assertEqual(first["quote"]["quote"]["id"], second["quote"]["quote"]["id"])
        self.assertEqual(len(self._events(case, "quote.requested")), 1)
        self.assertEqual(self._events(case, "quote.requested").data["channel"], "whatsapp")
        with self.assertRaises(MissingError):
            bridge.bridge_request_quote(999999)
        with self.assertRaises(AccessError):
            self.env["postventa.case"].with_user(self.outsider).bridge_request_quote(91002)

    def test_quote_events_match_their_schemas(self):
        case = self._no_eligible_case(neon_id=91003)
        order = self._quote(case)
        order.with_user(self.approver).action_postventa_approve()
        for event_type in ("quote.requested", "quote.created", "quote.approved", "warranty.decided"):
            events = self._events(case, event_type)
            self.assertEqual(len(events), 1, event_type)
            schema = load_schema(f"postventa/schemas/events/{event_type}.json")
            problems = schema_problems(schema, events._to_cloudevent())
            self.assertFalse(problems, f"{event_type}: {problems}")

    def test_warranty_decision_carries_the_recommended_supplier(self):
        case = self._no_eligible_case()
        decided = self._events(case, "warranty.decided")
        self.assertEqual(decided.data["recommended_supplier"]["id"], self.sup_fast.id)
        self.assertEqual(case.decision_id.recommended_supplier, self.sup_fast.name)

    def test_bridge_changes_carry_the_quote(self):
        case = self._no_eligible_case(neon_id=91004)
        bridge = self.env["postventa.case"].with_user(self.integration)

        def quote_of_case():
            records = bridge.bridge_changes(limit=5000)["records"]
            return next(r for r in records if r["neon_id"] == 91004)["quote"]

        self.assertIsNone(quote_of_case())
        order = self._quote(case)
        quote = quote_of_case()
        self.assertEqual(quote["name"], order.name)
        self.assertEqual(quote["approval_state"], "to_approve")
        self.assertIsNone(quote["portal_url"])
        order.with_user(self.approver).action_postventa_approve()
        quote = quote_of_case()
        self.assertEqual(quote["approval_state"], "approved")
        self.assertIn("access_token=", quote["portal_url"])
        bridge.bridge_accept_quote(91004)
        quote = quote_of_case()
        self.assertEqual(quote["state"], "sale")
        self.assertEqual(len(quote["purchase_orders"]), 2)

    def test_batch_evaluation_recommends_a_supplier_per_case(self):
        low = self._create_fault("T-PRT-4", self.sys_brakes, wear=True, severity="low",
                                 part_ids=[fields.Command.set([self.pads.id])])
        critical = self._create_fault("T-PRT-5", self.sys_brakes, wear=True, severity="critical",
                                      part_ids=[fields.Command.set([self.pads.id])])
        slow = self._create_case(self._create_vehicle(), low, km=15_000)
        urgent = self._create_case(self._create_vehicle(), critical, km=15_000)
        (slow | urgent).action_evaluate_warranty()
        # 10 days: the cheap Wagner pads from Mayoreo; 2 days: only Express makes it.
        self.assertEqual(self._events(slow, "warranty.decided").data["recommended_supplier"]["id"], self.sup_cheap.id)
        self.assertEqual(self._events(urgent, "warranty.decided").data["recommended_supplier"]["id"], self.sup_fast.id)
        self.assertEqual(urgent.decision_id.recommended_supplier, self.sup_fast.name)

    def test_only_parts_that_fit_the_vehicle_are_quoted(self):
        hilux_pads = self._create_part("99465-0K290", "Balatas prueba Hilux", 1690.0, oem=True)
        hilux_pads.postventa_fitment = "Hilux"
        self.pads.postventa_fitment = "Corolla, Yaris"
        self._create_offer(hilux_pads, self.sup_fast, 1000.0, 1)
        self.fault_parts.part_ids = [fields.Command.link(hilux_pads.id)]
        order = self._quote(self._no_eligible_case())  # the factory's vehicles are Corollas
        self.assertEqual(order.order_line.postventa_part_id, self.pads | self.filter)  # the filter fits all
        hilux = self._create_case(self._create_vehicle(model_name="Hilux"), self.fault_parts, km=15_000)
        hilux.action_evaluate_warranty()
        order = self._quote(hilux)
        self.assertEqual(order.order_line.postventa_part_id, hilux_pads | self.filter)
        # A model no pads fit: only the universal part (the advisor adds the right pads by hand).
        sienna = self._create_case(self._create_vehicle(model_name="Sienna"), self.fault_parts, km=15_000)
        sienna.action_evaluate_warranty()
        self.assertEqual(self._quote(sienna).order_line.postventa_part_id, self.filter)


@tagged("post_install", "-at_install")
class TestPartFitment(PostventaPurchaseCommon):
    """Issue 12.8: parts fit by model and year range, and by position when the fault names one;
    the labour line reads in the company's language whoever quotes."""

    def _quote(self, case):
        return case.with_user(self.user)._postventa_create_quotes().with_user(self.env.user)

    def test_a_new_corollas_front_pad_fault_gets_the_front_pads_of_its_years(self):
        this_year = self.today.year
        old_front = self._create_part("99465-02221", "Balatas del. prueba Corolla 2009-2019", 1250.0, oem=True)
        new_front = self._create_part("99465-02500", "Balatas del. prueba Corolla 2020+", 1390.0, oem=True)
        rear = self._create_part("99466-02070", "Balatas tras. prueba Corolla 2014+", 1090.0, oem=True)
        old_front.write({"postventa_fitment": "Corolla", "postventa_year_from": 2009, "postventa_year_to": 2019,
                         "postventa_position": "front"})
        new_front.write({"postventa_fitment": "Corolla", "postventa_year_from": this_year - 5,
                         "postventa_position": "front"})
        rear.write({"postventa_fitment": "Corolla", "postventa_year_from": 2014, "postventa_position": "rear"})
        for part in (old_front, new_front, rear):
            self._create_offer(part, self.sup_fast, 900.0, 1)
        fault = self._create_fault(
            "T-PRT-9", self.sys_brakes, evidence=self.ev_odometer, wear=True, labor_hours=1.5,
            name="Balatas delanteras desgastadas",
            part_ids=[fields.Command.set([old_front.id, new_front.id, rear.id, self.filter.id])],
        )
        case = self._create_case(self._create_vehicle(model_name="Corolla", model_year=this_year), fault, km=15_000)
        case.action_evaluate_warranty()
        order = self._quote(case)
        self.assertEqual(order.order_line.postventa_part_id, new_front | self.filter)
        # An older Corolla gets the pads of its years; a fault that names no axle takes both axles.
        old = self._create_case(self._create_vehicle(model_name="Corolla", model_year=2015), fault, km=15_000)
        old.action_evaluate_warranty()
        self.assertEqual(self._quote(old).order_line.postventa_part_id, old_front | self.filter)
        fault.name = "Rechinido en frenos"
        both = self._create_case(self._create_vehicle(model_name="Corolla", model_year=2016), fault, km=15_000)
        both.action_evaluate_warranty()
        self.assertEqual(self._quote(both).order_line.postventa_part_id, old_front | rear | self.filter)

    def test_the_labour_line_reads_in_spanish_whoever_quotes(self):
        self.env["res.lang"]._activate_lang("es_MX")
        self.env["ir.module.module"]._load_module_terms(["postventa", "postventa_purchase"], ["es_MX"],
                                                        overwrite=True)
        self.env.company.partner_id.lang = "es_MX"
        self.user.lang = "en_US"
        order = self._quote(self._no_eligible_case())
        labour = order.order_line.filtered("postventa_is_labor")
        self.assertTrue(labour.name.startswith("Mano de obra taller"), labour.name)
