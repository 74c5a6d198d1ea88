from odoo.tests import TransactionCase, tagged

from odoo.addons.postventa.tests.test_translations import untranslated_terms


@tagged("post_install", "-at_install")
class TestSpanishEverywherePurchase(TransactionCase):
    def test_every_term_of_the_addon_has_a_spanish_translation(self):
        self.env["res.lang"]._activate_lang("es_MX")
        missing = untranslated_terms(self.env, "postventa_purchase")
        self.assertFalse(missing, "untranslated terms:\n" + "\n".join(missing))

    def test_the_case_shows_the_quote_status_in_spanish(self):
        env = self.env(context=dict(self.env.context, lang="es_MX"))
        self.env["res.lang"]._activate_lang("es_MX")
        labels = dict(env["postventa.case"]._fields["postventa_quote_state"]._description_selection(env))
        self.assertEqual(labels["sale"], env["sale.order"]._fields["state"]._description_selection(env)[2][1])
        self.assertNotEqual(labels["sale"], "Sales Order")
