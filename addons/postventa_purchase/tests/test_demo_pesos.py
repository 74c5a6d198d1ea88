from odoo import fields
from odoo.tests import HttpCase, TransactionCase, tagged


def _skip_without_demo(case):
    if not case.env["ir.module.module"].search([("name", "=", "postventa_purchase"), ("demo", "=", True)]):
        case.skipTest(case, "postventa_purchase installed without demo data")


@tagged("post_install", "-at_install")
class TestDemoDealerInPesos(TransactionCase):
    """The demo dealer keeps its books in pesos with the Mexican chart: MXN, IVA 16 %."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        _skip_without_demo(cls)
        cls.company = cls.env.ref("base.main_company")
        cls.mxn = cls.env.ref("base.MXN")

    def test_company_uses_the_mexican_chart_in_pesos(self):
        self.assertEqual(self.company.chart_template, "mx")
        self.assertEqual(self.company.currency_id, self.mxn)
        self.assertEqual(self.company.account_fiscal_country_id, self.env.ref("base.mx"))
        # Nothing of the generic chart is left on the company.
        journals = self.env["account.journal"].search([("company_id", "=", self.company.id)])
        self.assertTrue(journals)
        self.assertFalse(journals.filtered(lambda j: j.currency_id and j.currency_id != self.mxn))
        moves = self.env["account.move"].search([("company_id", "=", self.company.id)])
        self.assertFalse(moves.filtered(lambda m: m.currency_id != self.mxn), "journal entries outside pesos")

    def test_sale_and_purchase_tax_is_iva_16(self):
        company = self.company
        for tax, use in ((company.account_sale_tax_id, "sale"), (company.account_purchase_tax_id, "purchase")):
            self.assertEqual(tax.type_tax_use, use)
            self.assertEqual((tax.amount_type, tax.amount), ("percent", 16.0))
            self.assertEqual(tax.tax_group_id.with_context(lang="es_MX").name, "IVA 16%")
            self.assertEqual(tax.company_id, self.company)
        labour = self.company._postventa_labor_product()
        self.assertEqual(labour.taxes_id.filtered(lambda t: t.company_id == self.company),
                         self.company.account_sale_tax_id)

    def test_demo_quotes_are_in_pesos_with_iva(self):
        orders = self.env["sale.order"].search([("postventa_case_id", "!=", False)])
        self.assertGreaterEqual(len(orders), 2)
        for order in orders:
            self.assertEqual(order.currency_id, self.mxn, order.name)
            self.assertEqual(order.pricelist_id.currency_id, self.mxn, order.name)
            self.assertTrue(order.order_line)
            for line in order.order_line:
                self.assertEqual(line.tax_ids, self.company.account_sale_tax_id, line.name)
            self.assertAlmostEqual(order.amount_tax, order.currency_id.round(order.amount_untaxed * 0.16), delta=0.02)
            self.assertAlmostEqual(order.amount_total, order.amount_untaxed + order.amount_tax, places=2)
        # Odoo's own demo sales and purchases of the dealer read pesos too.
        self.assertFalse(self.env["sale.order"].search([("company_id", "=", self.company.id),
                                                        ("currency_id", "!=", self.mxn.id)]))
        self.assertFalse(self.env["purchase.order"].search([("company_id", "=", self.company.id),
                                                            ("currency_id", "!=", self.mxn.id)]))

    def test_supplier_choice_text_and_ticket_costs_in_pesos(self):
        choices = self.env["postventa.supplier.choice"].search([("company_id", "=", self.company.id)])
        self.assertTrue(choices)
        for choice in choices.filtered("supplierinfo_id"):
            self.assertRegex(choice.with_context(lang="es_MX").reason, r"costo [\d.]+ MXN")
            self.assertNotIn("USD", choice.reason)
        lines = self.env["sale.order.line"].search([("order_id.postventa_case_id", "!=", False),
                                                    ("postventa_choice_reason", "!=", False)])
        self.assertTrue(lines)
        self.assertTrue(all("MXN" in reason for reason in lines.mapped("postventa_choice_reason")))
        tickets = self.env["postventa.warranty.ticket"].search([("line_ids", "!=", False)])
        self.assertTrue(tickets)
        self.assertEqual(tickets.currency_id, self.mxn)
        self.assertTrue(all(ticket.total_cost > 0 for ticket in tickets))

    def test_offers_in_dollars_are_compared_in_pesos(self):
        """One demo supplier quotes in USD: the SLA engine compares it in pesos at the demo rate."""
        usd = self.env.ref("base.USD")
        offers = self.env["product.supplierinfo"].search([("partner_id.postventa_is_parts_supplier", "=", True)])
        in_dollars = offers.filtered(lambda o: o.currency_id == usd)
        self.assertTrue(in_dollars)
        self.assertEqual((offers - in_dollars).currency_id, self.mxn)
        rate = self.env["product.product"]._postventa_rates(["USD", "MXN"], self.company, fields.Date.today())
        self.assertEqual(set(rate), {"USD"})
        self.assertGreater(rate["USD"], 10.0)  # pesos per dollar, not dollars per peso
        self.assertLess(rate["USD"], 30.0)


@tagged("post_install", "-at_install")
class TestDemoPortalQuoteInPesos(HttpCase):
    """The customer's portal quote of the demo: IVA 16 % and the peso amounts."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        _skip_without_demo(cls)

    def test_portal_quote_reads_pesos_and_iva(self):
        order = self.env.ref("postventa.case_no_eligible_expired").postventa_quote_id
        self.assertEqual(order.postventa_approval_state, "approved")
        response = self.url_open(f"/my/orders/{order.id}?access_token={order._portal_ensure_token()}")
        self.assertEqual(response.status_code, 200)
        page = response.text
        # Whatever the page's language: IVA 16 % on the lines, the peso amounts (MXN's symbol is "$").
        self.assertEqual(page.count("<span>16%</span>"), len(order.order_line))
        for amount in (order.amount_untaxed, order.amount_tax, order.amount_total):
            self.assertIn(f'<span class="oe_currency_value">{amount:,.2f}</span>', page)


@tagged("post_install", "-at_install")
class TestLabourTaxedByTheChart(TransactionCase):
    """A dealer company in Mexico (demo or not) sells labour with IVA 16 % from the moment its chart loads."""

    def test_new_mexican_company_taxes_labour_with_iva(self):
        labour = self.env.ref("postventa_purchase.product_labor_hour")
        # As on a real database: the module (and its labour product) came before any chart.
        labour.taxes_id = False
        company = self.env["res.company"].create(
            {"name": "Agencia Toyota Puebla", "country_id": self.env.ref("base.mx").id}
        )
        self.env.user.company_ids |= company
        self.env["account.chart.template"].try_loading("mx", company, install_demo=False)
        self.assertEqual(company.currency_id, self.env.ref("base.MXN"))
        tax = labour.taxes_id.filtered(lambda t: t.company_id == company)
        self.assertEqual(tax, company.account_sale_tax_id)
        self.assertEqual((tax.amount_type, tax.amount), ("percent", 16.0))
