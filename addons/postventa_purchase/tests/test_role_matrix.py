"""Role matrix (issue 11, beyond the list): every model and every public method of both addons, for each role,
allowed or refused, through the ORM and through JSON-2 (``/json/2/<model>/<method>`` with the role's API key).

The models and methods are read from the registry, so a new model or public method fails
``test_every_model_and_method_is_in_the_table`` until it gets a row in the expected tables below.
Public method = defined in one of our addons, name not starting with ``_``, not ``@api.private``. The generic
ORM overrides (create/write/unlink) are covered by the access-rights table and by test_security_*.
"""

import datetime
import json
from itertools import count

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import PostventaPurchaseCommon

MODULES = ("postventa", "postventa_purchase")
ROLES = ("advisor", "manager", "approver", "integration", "portal", "public")
STAFF = frozenset({"advisor", "manager", "approver"})
BRIDGE = frozenset({"integration"})
CRUD = frozenset({"create", "write", "unlink"})

# Access rights on the addons' own models: role -> operations (r=read, w=write, c=create, u=unlink).
# Roles not listed have none. Record rules (multi-company) come on top: see test_security_*.
ACCESS = {
    "postventa.case": {"advisor": "rwc", "manager": "rwc", "approver": "rwc"},
    "postventa.case.evidence": {"advisor": "rwcu", "manager": "rwcu", "approver": "rwcu"},
    "postventa.coverage": {"advisor": "r", "manager": "r", "approver": "r"},
    "postventa.event": {"advisor": "r", "manager": "r", "approver": "r"},
    "postventa.evidence.type": {"advisor": "r", "manager": "r", "approver": "r"},
    "postventa.fault": {"advisor": "r", "manager": "rwc", "approver": "r"},
    "postventa.odometer": {"advisor": "rc", "manager": "rwcu", "approver": "rc"},
    "postventa.part.equivalence": {"advisor": "r", "manager": "r", "approver": "rwcu"},
    "postventa.quote.reject.wizard": {"approver": "rwcu"},
    "postventa.quote.wizard": {"advisor": "rwcu", "manager": "rwcu", "approver": "rwcu"},
    "postventa.supplier.choice": {"advisor": "r", "manager": "r", "approver": "r"},
    "postventa.vehicle": {"advisor": "rwc", "manager": "rwc", "approver": "rwc"},
    "postventa.vehicle.system": {"advisor": "r", "manager": "r", "approver": "r"},
    "postventa.warranty.decision": {"advisor": "r", "manager": "r", "approver": "r"},
    "postventa.warranty.override": {"manager": "rwcu"},
    "postventa.warranty.policy": {"advisor": "r", "manager": "r", "approver": "r"},
    "postventa.warranty.ticket": {"advisor": "r", "manager": "rwc", "approver": "r"},
    "postventa.warranty.ticket.line": {"advisor": "r", "manager": "rwcu", "approver": "r"},
    "postventa.vehicle.model": {"advisor": "r", "manager": "r", "approver": "r"},
    "postventa.warranty.policy.activation": {},
    "postventa.warranty.simulation": {"manager": "rwcu"},
    "postventa.warranty.simulation.line": {"manager": "rwcu"},
    "postventa.whatsapp.message": {"advisor": "r", "manager": "r", "approver": "r"},
    "postventa.whatsapp.reply": {"advisor": "rwcu", "manager": "rwcu", "approver": "rwcu"},
}
# Odoo's models the addons extend: their rights are Odoo's; the bridge's user has none on any of them.
EXTENDED = (
    "account.chart.template", "ir.attachment", "product.product", "product.supplierinfo", "product.template",
    "purchase.order", "res.company", "res.config.settings", "res.partner", "sale.order", "sale.order.line",
)

# (model, method) -> (roles allowed, fixture name). The fixture builds fresh records for one call and
# returns (ids, kwargs); "refused" means AccessError in the ORM and 401/403 over JSON-2.
METHODS = {
    ("postventa.case", "action_cancel"): (STAFF, "open_case"),
    ("postventa.case", "action_done"): (STAFF, "eligible_case"),
    ("postventa.case", "action_confirm_owner"): ({"manager"}, "unverified_case"),
    ("postventa.case", "action_evaluate_warranty"): (STAFF, "open_case"),
    ("postventa.case", "action_mark_evidence_provided"): (STAFF, "open_case"),
    ("postventa.case", "action_open_override"): ({"manager"}, "review_case"),
    ("postventa.case", "action_postventa_create_quote"): (STAFF, "no_eligible_case"),
    ("postventa.case", "action_postventa_view_purchases"): ({"approver"}, "no_eligible_case"),
    ("postventa.case", "action_postventa_view_quotes"): (STAFF, "no_eligible_case"),
    ("postventa.case", "action_reset"): (STAFF, "review_case"),
    ("postventa.case", "action_start"): (STAFF, "no_eligible_case"),
    ("postventa.case", "action_view_attachments"): (STAFF, "open_case"),
    ("postventa.case", "action_view_decisions"): (STAFF, "review_case"),
    ("postventa.case", "action_view_tickets"): (STAFF, "eligible_case"),
    ("postventa.case", "bridge_accept_quote"): (BRIDGE, "approved_quote_neon"),
    ("postventa.case", "bridge_case_timeline"): (BRIDGE, "case_neon"),
    ("postventa.case", "bridge_changes"): (BRIDGE, "changes"),
    ("postventa.case", "bridge_handoff"): (BRIDGE, "case_neon"),
    ("postventa.case", "bridge_mirror_messages"): (BRIDGE, "mirror_messages"),
    ("postventa.case", "bridge_pull_replies"): (BRIDGE, "pull_replies"),
    ("postventa.case", "bridge_report_replies"): (BRIDGE, "report_replies"),
    ("postventa.case", "bridge_request_quote"): (BRIDGE, "no_eligible_neon"),
    ("postventa.case", "bridge_upsert_cases"): (BRIDGE, "upsert"),
    ("postventa.event", "action_open_document"): (STAFF, "event"),
    ("postventa.event", "bridge_pull"): (BRIDGE, "pull"),
    ("postventa.event", "bridge_report_delivery"): (BRIDGE, "report_delivery"),
    ("postventa.fault", "bridge_catalog"): (BRIDGE, "nothing"),
    ("postventa.quote.reject.wizard", "action_reject"): ({"approver"}, "reject_wizard"),
    ("postventa.quote.wizard", "action_create"): (STAFF, "quote_wizard"),
    ("postventa.vehicle", "action_view_cases"): (STAFF, "vehicle"),
    ("postventa.warranty.override", "action_apply"): ({"manager"}, "override_wizard"),
    ("postventa.warranty.policy", "action_activate"): (frozenset(), "draft_policy"),
    ("postventa.warranty.policy", "action_new_version"): (frozenset(), "policy"),
    ("postventa.warranty.policy", "action_open_activation"): (frozenset(), "draft_policy"),
    ("postventa.warranty.policy", "action_open_simulation"): ({"manager"}, "draft_policy"),
    ("postventa.warranty.policy", "simulate"): ({"manager"}, "simulate"),
    ("postventa.warranty.policy.activation", "action_activate"): (frozenset(), "activation_wizard"),
    ("postventa.warranty.simulation", "action_open_activation"): (frozenset(), "simulation_wizard"),
    ("postventa.warranty.simulation", "action_simulate"): ({"manager"}, "simulation_wizard"),
    ("postventa.warranty.simulation", "action_view_lines"): ({"manager"}, "simulation_wizard"),
    ("postventa.whatsapp.reply", "action_send"): (STAFF, "whatsapp_reply_wizard"),
    ("product.product", "postventa_spareparts"): (STAFF | BRIDGE, "spareparts"),
    ("sale.order", "action_confirm"): (STAFF, "approved_quote"),
    ("sale.order", "action_draft"): (STAFF, "cancelled_quote"),
    ("sale.order", "action_postventa_approve"): ({"approver"}, "quote"),
    ("sale.order", "action_postventa_reject"): ({"approver"}, "quote"),
    ("sale.order", "action_postventa_reset_approval"): ({"approver"}, "approved_quote"),
    ("sale.order", "action_postventa_view_purchases"): ({"approver"}, "quote"),
    ("sale.order", "action_preview_sale_order"): (STAFF, "approved_quote"),
    ("sale.order", "action_quotation_send"): (STAFF, "approved_quote"),
}


class Refused(Exception):
    """The role could not even build the record it would call the method on (no rights to create it)."""


def public_methods(env):
    """{(model, method)} of every public method our addons define, and the set of their models."""
    data = env["ir.model.data"].search([("module", "in", MODULES), ("model", "=", "ir.model")])
    models = set(env["ir.model"].browse(data.mapped("res_id")).mapped("model"))
    found = set()
    for model in models:
        for klass in type(env[model]).mro():
            if not klass.__module__.startswith(tuple(f"odoo.addons.{m}." for m in MODULES)):
                continue
            for name, value in vars(klass).items():
                if (name.startswith("_") or name in CRUD or not callable(value) or isinstance(value, type)
                        or getattr(value, "_api_private", False)):
                    continue
                found.add((model, name))
    return models, found


@tagged("post_install", "-at_install")
class TestRoleMatrix(PostventaPurchaseCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal = new_test_user(cls.env, "pv_portal", groups="base.group_portal", name="Portal")
        cls.users = {
            "advisor": cls.user, "manager": cls.manager, "approver": cls.approver,
            "integration": cls.integration, "portal": cls.portal, "public": cls.env.ref("base.public_user"),
        }
        expires = datetime.datetime.now() + datetime.timedelta(days=1)
        cls.keys = {
            role: cls.env["res.users.apikeys"].with_user(user).sudo()._generate("rpc", "role matrix", expires)
            for role, user in cls.users.items() if role != "public"
        }
        cls.neon = count(880_000)

    # --- fixtures: fresh records per call, built as superuser unless the role builds them -----------
    def _fixture(self, name, role):
        return getattr(self, f"_fx_{name}")(self.users[role])

    def _fx_nothing(self, user):
        return [], {}

    def _fx_open_case(self, user):
        return self._create_case(self._create_vehicle(), self.fault_electrical).ids, {}

    def _fx_review_case(self, user):
        case = self._create_case(self._create_vehicle(months_ago=None), self.fault_electrical)
        case.action_evaluate_warranty()
        return case.ids, {}

    def _fx_eligible_case(self, user):
        case = self._create_case(self._create_vehicle(), self.fault_electrical)
        case.action_evaluate_warranty()
        return case.ids, {}

    def _fx_no_eligible_case(self, user):
        return self._no_eligible_case().ids, {}

    def _fx_vehicle(self, user):
        return self._create_vehicle().ids, {}

    def _fx_policy(self, user):
        return self.env.ref("postventa.policy_2026_1").ids, {}

    def _fx_unverified_case(self, user):
        case = self._create_case(self._create_vehicle(), self.fault_electrical)
        case.owner_unverified = True
        return case.ids, {}

    def _draft_policy(self):
        action = self.env.ref("postventa.policy_2026_1").action_new_version()
        draft = self.env["postventa.warranty.policy"].browse(action["res_id"])
        draft.version = f"matrix-{draft.id}"
        draft.flush_recordset()  # the next copy takes "-new" again
        return draft

    def _fx_draft_policy(self, user):
        return self._draft_policy().ids, {}

    def _fx_simulate(self, user):
        return self._draft_policy().ids, {"date_from": str(self.today - datetime.timedelta(days=365)),
                                          "date_to": str(self.today)}

    def _fx_simulation_wizard(self, user):
        vals = {"policy_id": self._draft_policy().id, "date_from": self.today - datetime.timedelta(days=365),
                "date_to": self.today}
        return self._as_role(user, "postventa.warranty.simulation", vals).ids, {}

    def _fx_activation_wizard(self, user):
        vals = {"policy_id": self._draft_policy().id, "effective_date": self.today}
        return self._as_role(user, "postventa.warranty.policy.activation", vals).ids, {}

    def _fx_event(self, user):
        return self._events(self._no_eligible_case(), "warranty.decided").ids, {}

    def _quote_record(self, approved=False):
        order = self._no_eligible_case(neon_id=next(self.neon))._postventa_create_quotes()
        if approved:
            order.with_user(self.approver).action_postventa_approve()
        return order

    def _fx_quote(self, user):
        return self._quote_record().ids, {}

    def _fx_approved_quote(self, user):
        return self._quote_record(approved=True).ids, {}

    def _fx_cancelled_quote(self, user):
        order = self._quote_record()
        order.action_cancel()
        return order.ids, {}

    def _fx_case_neon(self, user):
        neon_id = next(self.neon)
        self._create_case(self._create_vehicle(), self.fault_electrical, neon_id=neon_id)
        return [], {"neon_id": neon_id}

    def _fx_no_eligible_neon(self, user):
        neon_id = next(self.neon)
        self._no_eligible_case(neon_id=neon_id)
        return [], {"neon_id": neon_id}

    def _fx_approved_quote_neon(self, user):
        order = self._quote_record(approved=True)
        return [], {"neon_id": order.postventa_case_id.neon_id}

    def _fx_changes(self, user):
        return [], {"limit": 1}

    def _fx_pull(self, user):
        return [], {"after_id": 0, "limit": 1}

    def _fx_report_delivery(self, user):
        return [], {"updates": []}

    def _fx_upsert(self, user):
        # ready to evaluate and eligible: the call writes a ticket's monetary fields, which JSON-2 flushes as
        # the caller (the currency's rounding must be readable by the integration user)
        vin = self._create_vehicle().vin
        return [], {"records": [{"neon_id": next(self.neon), "contact_id": "whatsapp:+5215512340000",
                                 "vin": vin, "falla_tipo": self.fault_electrical.code, "odo_km": 10_000,
                                 "evidence_provided": ["odometer_photo"], "description": "ruido"}]}

    def _fx_mirror_messages(self, user):
        neon_id = next(self.neon)
        self._create_case(self._create_vehicle(), self.fault_electrical, neon_id=neon_id)
        return [], {"messages": [{"sid": f"SM{neon_id:032d}", "neon_id": neon_id, "direction": "inbound",
                                  "contact_id": "whatsapp:+5215512340000", "body": "hola"}]}

    def _fx_pull_replies(self, user):
        return [], {"limit": 1}

    def _fx_report_replies(self, user):
        return [], {"updates": []}

    def _fx_whatsapp_reply_wizard(self, user):
        case = self._create_case(self._create_vehicle(), self.fault_electrical, neon_id=next(self.neon),
                                 whatsapp_contact="+5215512340000")
        return self._as_role(user, "postventa.whatsapp.reply", {"case_id": case.id, "body": "hola"}).ids, {}

    def _fx_spareparts(self, user):
        return [], {"part_number": "QX1210"}

    def _as_role(self, user, model, vals):
        try:
            return self.env[model].with_user(user).create(vals)
        except AccessError as exc:
            raise Refused(model) from exc

    def _fx_quote_wizard(self, user):
        case = self._no_eligible_case()
        return self._as_role(user, "postventa.quote.wizard", {"case_ids": case.ids}).ids, {}

    def _fx_reject_wizard(self, user):
        order = self._quote_record()
        return self._as_role(user, "postventa.quote.reject.wizard", {"order_ids": order.ids, "reason": "caro"}).ids, {}

    def _fx_override_wizard(self, user):
        ids, _kwargs = self._fx_review_case(user)
        vals = {"case_id": ids[0], "outcome": "eligible", "reason": "buena fe"}
        return self._as_role(user, "postventa.warranty.override", vals).ids, {}

    # --- the two channels -------------------------------------------------------------------------------
    def _orm(self, model, method, role, fixture):
        """'allowed' or 'refused' through the ORM."""
        try:
            ids, kwargs = self._fixture(fixture, role)
        except Refused:
            return "refused"
        self.env.invalidate_all()  # what the superuser's fixture put in the cache must not answer for the role
        records = self.env[model].with_user(self.users[role]).browse(ids)
        try:
            with self.env.cr.savepoint():
                getattr(records, method)(**kwargs)
        except AccessError:
            return "refused"
        return "allowed"

    def _json2(self, model, method, role, fixture):
        """'allowed' (200) or 'refused' (401/403) through JSON-2; anything else is reported as it is."""
        try:
            ids, kwargs = self._fixture(fixture, role)
        except Refused:
            return "refused"
        headers = {"Content-Type": "application/json", "X-Odoo-Database": self.env.cr.dbname}
        if role in self.keys:
            headers["Authorization"] = f"bearer {self.keys[role]}"
        response = self.url_open(f"/json/2/{model}/{method}", data=json.dumps({"ids": ids, **kwargs}),
                                 headers=headers)
        if response.status_code == 200:
            return "allowed"
        if response.status_code in (401, 403):
            return "refused"
        return f"HTTP {response.status_code}: {response.text[:300]}"

    # --- the tests ------------------------------------------------------------------------------------
    def test_every_model_and_method_is_in_the_table(self):
        models, methods = public_methods(self.env)
        self.assertEqual(models, set(ACCESS) | set(EXTENDED), "a model was added or removed: update ACCESS/EXTENDED")
        self.assertEqual(methods, set(METHODS), "a public method was added or removed: give it a row in METHODS")

    def test_access_rights_per_role(self):
        mismatches = []
        for model, per_role in ACCESS.items():
            for role, user in self.users.items():
                Model = self.env[model].with_user(user)
                got = "".join(op[0] if op != "unlink" else "u" for op in ("read", "write", "create", "unlink")
                              if Model.has_access(op))
                if got != per_role.get(role, ""):
                    mismatches.append(f"{model} {role}: expected {per_role.get(role, '')!r}, got {got!r}")
        for model in EXTENDED:
            Model = self.env[model].with_user(self.integration)
            got = [op for op in ("read", "write", "create", "unlink") if Model.has_access(op)]
            if got:
                mismatches.append(f"{model} integration: expected no rights, got {got}")
        self.assertFalse(mismatches, "\n".join(mismatches))

    def test_methods_per_role_through_the_orm(self):
        self._check_channel(self._orm)

    def test_methods_per_role_through_json2(self):
        self._check_channel(self._json2)

    def test_bridge_health_probe_works_for_the_integration_user(self):
        # bridge.odoo.OdooClient.ping calls res.users/context_get: it must work for a user with no other rights
        response = self.url_open("/json/2/res.users/context_get", data="{}", headers={
            "Content-Type": "application/json", "Authorization": f"bearer {self.keys['integration']}",
            "X-Odoo-Database": self.env.cr.dbname,
        })
        self.assertEqual(response.status_code, 200, response.text)
        self.assertIn("lang", response.json())

    def _check_channel(self, call):
        mismatches = []
        for (model, method), (allowed, fixture) in sorted(METHODS.items()):
            for role in ROLES:
                expected = "allowed" if role in allowed else "refused"
                got = call(model, method, role, fixture)
                if got != expected:
                    mismatches.append(f"{model}.{method} as {role}: expected {expected}, got {got}")
        self.assertFalse(mismatches, "\n".join(mismatches))

