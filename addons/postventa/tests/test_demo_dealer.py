from odoo.tests import TransactionCase, tagged

MEXICO_CITY = "America/Mexico_City"


@tagged("post_install", "-at_install")
class TestDemoDealer(TransactionCase):
    """The demo as ``make run`` ships it is a Mexican dealer: Spanish, pesos, Mexico City's time zone."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not cls.env["ir.module.module"].search([("name", "=", "postventa"), ("demo", "=", True)]):
            cls.skipTest(cls, "postventa installed without demo data")
        cls.company = cls.env.ref("base.main_company")

    def test_company_is_a_mexican_dealer(self):
        self.assertEqual(self.company.name, "Agencia Toyota Demo, S.A. de C.V.")
        self.assertEqual(self.company.country_id, self.env.ref("base.mx"))
        self.assertEqual(self.company.state_id, self.env.ref("base.state_mx_df"))
        self.assertTrue(self.company.street and self.company.zip and self.company.city)
        self.assertEqual(self.company.partner_id.tz, MEXICO_CITY)

    def test_spanish_is_loaded_with_translations(self):
        lang = self.env["res.lang"]._lang_get("es_MX")
        self.assertTrue(lang.active)
        # Terms of modules installed before the demo switched the language on are translated too.
        self.assertEqual(self.env.ref("base.menu_administration").with_context(lang="es_MX").name, "Ajustes")
        self.assertEqual(
            self.env.ref("postventa.group_postventa_warranty_manager").with_context(lang="es_MX").name,
            "Gerente de garantías",
        )

    def test_every_demo_user_and_customer_reads_spanish_in_mexico_city_time(self):
        users = self.env["res.users"].with_context(active_test=False).search([])
        self.assertIn(self.env.ref("postventa.user_advisor"), users)
        wrong = users.filtered(lambda u: u.lang != "es_MX" or u.tz != MEXICO_CITY)
        self.assertFalse(wrong, f"users not in es_MX / {MEXICO_CITY}: {wrong.mapped('login')}")
        customers = self.env["postventa.case"].search([]).partner_id | self.env["postventa.vehicle"].search(
            []).partner_id
        self.assertGreaterEqual(len(customers), 5)
        wrong = customers.filtered(lambda p: p.lang != "es_MX" or p.tz != MEXICO_CITY)
        self.assertFalse(wrong, f"customers not in es_MX / {MEXICO_CITY}: {wrong.mapped('name')}")
        # A customer arriving later (WhatsApp, the counter) gets Spanish too.
        self.assertEqual(self.env["res.partner"].create({"name": "Cliente nuevo"}).lang, "es_MX")

    def test_demo_staff_one_login_per_role(self):
        roles = {
            "asesor": "postventa.group_postventa_user",
            "garantias": "postventa.group_postventa_warranty_manager",
            "compras": "postventa.group_postventa_purchasing_approver",
        }
        for login, group in roles.items():
            user = self.env["res.users"].search([("login", "=", login)])
            self.assertEqual(len(user), 1, login)
            self.assertIn(self.env.ref(group), user.all_group_ids, login)
            self.assertNotIn(self.env.ref("postventa.group_postventa_admin"), user.all_group_ids, login)
        approver = self.env.ref("postventa.user_purchasing_approver")
        self.assertNotIn(self.env.ref("postventa.group_postventa_warranty_manager"), approver.all_group_ids)

    def test_chatter_and_activities_written_at_install_are_in_spanish(self):
        cases = self.env["postventa.case"].search([("id", "in", [
            self.env.ref(f"postventa.{xmlid}").id for xmlid in ("case_new", "case_eligible", "case_review_delivery")
        ])])
        self.assertEqual(len(cases), 3)
        bodies = " ".join(str(m.body) for m in cases.message_ids)
        self.assertIn("creado", bodies)
        self.assertNotIn("created", bodies)
        review = self.env.ref("postventa.case_review_delivery").activity_ids
        self.assertTrue(review)
        self.assertNotIn("Review warranty", " ".join(review.mapped("summary")))
        # Demo cases belong to the demo staff, never OdooBot; reviews wait for the warranty manager.
        self.assertEqual(cases.user_id, self.env.ref("postventa.user_advisor"))
        self.assertEqual(review.user_id, self.env.ref("postventa.user_warranty_manager"))
