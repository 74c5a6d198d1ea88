from odoo.tests import TransactionCase, tagged
from odoo.tools.misc import file_open
from odoo.tools.translate import TranslationModuleReader, translation_file_reader

UI_MODELS = ("ir.", "res.groups", "mail.activity.type")


def untranslated_terms(env, module, lang="es_MX"):
    """Every term ``module`` shows users (fields, selections, views, menus, data records, messages in
    code) that has no ``lang`` translation, as Odoo's own exporter finds them in the running database.

    Catches what a stale ``.pot`` hides: a selection copied from another model by a lambda, a string
    added to a view or a message after the last export."""
    with file_open(f"{module}/i18n/{lang}.po", mode="rb") as source:
        po = {entry["src"]: entry["value"] for entry in translation_file_reader(source, fileformat="po")}
    missing = set()
    for term_module, ttype, name, _res_id, source, value, _comments in TranslationModuleReader(
        env.cr, modules=[module], lang=lang
    ):
        # What staff read in the UI: fields, selections, views, menus, actions, groups, activity types
        # and messages in code; not the dealer's own content (fault names, product names), which is
        # written in Spanish in the first place.
        if term_module != module or (ttype == "model" and not name.startswith(UI_MODELS)):
            continue
        # Code terms are read from the .po at run time; every other term must be in the database
        # (a .po entry without this record's reference loads nothing), unless Spanish is identical.
        translated = po.get(source) if ttype == "code" else (value or po.get(source) == source)
        if not translated:
            missing.add(f"{ttype}:{name}: {source!r}")
    return sorted(missing)


@tagged("post_install", "-at_install")
class TestSpanishEverywhere(TransactionCase):
    """Staff read Spanish: no term of the addon is left in English once es_MX is loaded."""

    def test_every_term_of_the_addon_has_a_spanish_translation(self):
        self.env["res.lang"]._activate_lang("es_MX")
        missing = untranslated_terms(self.env, "postventa")
        self.assertFalse(missing, "untranslated terms:\n" + "\n".join(missing))
