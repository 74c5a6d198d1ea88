from odoo import fields
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.tests import tagged

from .common import PostventaPurchaseCommon, load_schema, schema_problems


@tagged("post_install", "-at_install")
class TestParts(PostventaPurchaseCommon):
    def test_part_numbers_are_normalized_and_indexed(self):
        self.assertEqual(self.pads.postventa_part_number_norm, "9946502220")
        equivalence = self.pads.product_tmpl_id.postventa_equivalence_ids
        self.assertEqual(equivalence.part_number_norm, "QX1210")
        self.assertEqual(equivalence.source_number_norm, "9946502220")
        self.env.cr.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'product_template' AND indexdef LIKE %s",
            ["%postventa_part_number_norm%"],
        )
        self.assertTrue(self.env.cr.fetchall())

    def test_equivalence_search_is_normalized_both_ways_and_transitive(self):
        Template = self.env["product.template"]
        expected = (self.pads | self.pads_wagner).product_tmpl_id
        for query in ("99465-02220", "9946502220", "99465 02220", "qx1210", "QX-1210", "rx 1210 h"):
            found = Template.search([("postventa_part_lookup", "=", query)])
            self.assertEqual(found, expected, query)
        closure = self.env["postventa.part.equivalence"]._postventa_closure(["RX-1210-H"])
        self.assertEqual(closure, {"RX1210H", "QX1210", "9946502220"})
        self.assertFalse(Template.search([("postventa_part_lookup", "=", "00000-00000")]))

    def test_spareparts_by_part_number(self):
        result = self.env["product.product"].with_user(self.integration).postventa_spareparts(
            part_number="rx1210h"
        )
        problems = schema_problems(load_schema("postventa_purchase/schemas/spareparts.json"), result)
        self.assertFalse(problems, problems)
        self.assertEqual(result["count"], 1)
        item = result["items"][0]
        self.assertEqual(item["part"]["product_id"], self.pads.id)
        self.assertEqual(item["toyota"]["part_number"], "99465-02220")
        self.assertEqual({e["part_number"] for e in item["equivalents"]}, {"QX 1210", "RX-1210-H"})
        self.assertEqual({s["name"] for s in item["proveedores"]}, {self.sup_fast.name, self.sup_cheap.name})
        self.assertEqual(len(item["proveedores"]), 4)
        recommended = [s for s in item["proveedores"] if s["recommended"]]
        self.assertEqual(len(recommended), 1)
        self.assertTrue(recommended[0]["sla_ok"])
        self.assertEqual(item["garantia"]["covered"], None)
        self.assertIsNone(result["garantia"]["applies"])
        for key in ("garantia", "proveedores", "links", "stock", "toyota", "equivalents"):
            self.assertIn(key, item)
        # The primary part also at the top level (DESIGN.md's /spareparts keys).
        self.assertEqual(result["part_number"], "99465-02220")
        self.assertEqual(result["toyota"], item["toyota"])
        self.assertEqual(result["stock"], item["stock"])
        self.assertTrue(result["proveedores"][0]["recommended"])
        self.assertEqual(len(result["proveedores"]), 4)

    def test_spareparts_for_a_case(self):
        case = self._no_eligible_case()
        result = self.env["product.product"].with_user(self.integration).postventa_spareparts(case_id=case.id)
        problems = schema_problems(load_schema("postventa_purchase/schemas/spareparts.json"), result)
        self.assertFalse(problems, problems)
        self.assertEqual(result["case"]["warranty_status"], "no_eligible")
        self.assertFalse(result["garantia"]["applies"])
        self.assertTrue(result["garantia"]["reason"])
        self.assertEqual({i["part"]["product_id"] for i in result["items"]}, {self.pads.id, self.filter.id})
        self.assertTrue(all(i["garantia"]["covered"] is False for i in result["items"]))
        # Each part's recommended offer comes first in the flat supplier list.
        self.assertEqual([s["recommended"] for s in result["proveedores"][:2]], [True, True])
        self.assertEqual(result["sla"]["severity"], "high")
        self.assertEqual(result["sla"]["days"], 3)
        self.assertIsNone(result["links"]["quote"])
        order = case._postventa_create_quotes()
        result = self.env["product.product"].with_user(self.integration).postventa_spareparts(case_id=case.id)
        self.assertIsNone(result["links"]["quote"])  # not approved: the customer has no link yet
        order.with_user(self.approver).action_postventa_approve()
        result = self.env["product.product"].with_user(self.integration).postventa_spareparts(case_id=case.id)
        self.assertIsNone(result["links"]["quote"])  # the bridge did not say it acts for the customer
        result = self.env["product.product"].with_user(self.integration).postventa_spareparts(
            case_id=case.id, contact=self.partner.phone
        )
        self.assertIn("access_token=", result["links"]["quote"])

    def test_spareparts_by_fault_and_text(self):
        Product = self.env["product.product"].with_user(self.integration)
        by_fault = Product.postventa_spareparts(fault_code="t-prt-1")
        self.assertEqual(by_fault["fault"]["code"], "T-PRT-1")
        self.assertEqual(by_fault["count"], 2)
        by_text = Product.postventa_spareparts(query="Balatas prueba")
        self.assertIn(self.pads.id, [i["part"]["product_id"] for i in by_text["items"]])

    def test_spareparts_errors_and_access(self):
        Product = self.env["product.product"].with_user(self.integration)
        with self.assertRaises(UserError):
            Product.postventa_spareparts()
        with self.assertRaises(MissingError):
            Product.postventa_spareparts(case_id=987654321)
        with self.assertRaises(MissingError):
            Product.postventa_spareparts(fault_code="NOPE-999")
        with self.assertRaises(AccessError):
            self.env["product.product"].with_user(self.outsider).postventa_spareparts(part_number="QX1210")

    def test_offer_in_another_currency_is_converted(self):
        usd = self.env.ref("base.USD")
        mxn = self.env.ref("base.MXN")
        other = mxn if self.currency == usd else usd
        other.active = True
        self.env["res.currency.rate"].create({"currency_id": other.id, "rate": 2.0, "company_id": self.company.id,
                                              "name": fields.Date.context_today(other)})
        self.env["res.currency.rate"].search(
            [("currency_id", "=", self.currency.id), ("company_id", "in", [False, self.company.id])]
        ).unlink()
        # 20 units of a currency worth half of ours: 10 in company currency, cheaper than 120.
        self._create_offer(self.filter, self.sup_fast, 20.0, 1, currency=other)
        result = self.env["product.product"].with_user(self.integration).postventa_spareparts(
            part_number="99915-YZZD1"
        )
        offers = {s["currency"]: s for s in result["items"][0]["proveedores"]}
        self.assertAlmostEqual(offers[other.name]["price_company_currency"], 10.0)
        self.assertTrue(offers[other.name]["recommended"])
