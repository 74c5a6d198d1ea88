import json
from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from .common import make_vin


@tagged("post_install", "-at_install")
class TestWhatIfHttp(HttpCase):
    """The simulation screen in a browser, and ``simulate`` over JSON-2 (who may call it)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.manager = new_test_user(
            env, "tour_whatif_manager", groups="postventa.group_postventa_warranty_manager", name="Gerente Sim"
        )
        cls.advisor = new_test_user(env, "tour_whatif_advisor", groups="postventa.group_postventa_user")
        partner = env["res.partner"].create({"name": "Cliente Simulación"})
        fault = env["postventa.fault"].create({
            "code": "T-SIM-1", "name": "Alternador", "system_id": env.ref("postventa.system_electrical").id,
        })
        vehicle = env["postventa.vehicle"].create({
            "vin": make_vin(4848), "model_name": "Corolla", "partner_id": partner.id,
            "delivery_date": fields.Date.context_today(env["postventa.case"]) - relativedelta(months=40),
        })
        cls.case = env["postventa.case"].create({
            "partner_id": partner.id, "vehicle_id": vehicle.id, "fault_id": fault.id, "odometer_km": 30_000,
        })
        cls.case.action_evaluate_warranty()
        policy = env["postventa.warranty.policy"]._get_current()
        cls.draft = env["postventa.warranty.policy"].browse(policy.action_new_version()["res_id"])
        cls.draft.version = "TOUR-48"
        cls.draft.coverage_ids.filtered(lambda c: c.code == "basic").months = 48
        cls.today = fields.Date.context_today(env["postventa.case"])

    def _json2(self, user, method, payload):
        key = self.env["res.users.apikeys"].with_user(user).sudo()._generate(
            "rpc", "whatif", datetime.now() + timedelta(hours=1)
        )
        return self.url_open(
            f"/json/2/postventa.warranty.policy/{method}",
            data=json.dumps(payload),
            headers={"Authorization": f"bearer {key}", "X-Odoo-Database": self.env.cr.dbname,
                     "Content-Type": "application/json"},
        )

    def test_simulation_screen_tour(self):
        self.assertEqual(self.case.warranty_status, "no_eligible")
        self.start_tour(
            "/odoo/action-postventa.postventa_warranty_policy_action", "postventa_whatif_tour",
            login="tour_whatif_manager",
        )
        self.assertEqual(self.case.warranty_status, "no_eligible", "a simulation decides nothing")
        self.assertEqual(len(self.case.decision_ids), 1)

    def test_simulate_over_json2(self):
        payload = {"ids": self.draft.ids, "date_from": str(self.today - relativedelta(months=12)),
                   "date_to": str(self.today)}
        response = self._json2(self.manager, "simulate", payload)
        self.assertEqual(response.status_code, 200, response.text)
        result = response.json()
        self.assertEqual(set(result), {"cases", "unchanged", "flips", "flipped_case_ids", "cost_impact"})
        self.assertEqual(result["flipped_case_ids"], self.case.ids)
        self.assertEqual(result["flips"], {"no_eligible->eligible": 1})
        self.assertEqual(result["unchanged"], result["cases"] - 1)
        refused = self._json2(self.advisor, "simulate", payload)
        self.assertEqual(refused.status_code, 403, refused.text)
        bad = self._json2(self.manager, "simulate", dict(payload, date_from="ayer"))
        self.assertEqual(bad.status_code, 422, bad.text)
        self.assertEqual(self._json2(self.manager, "_simulate_replay", payload).status_code, 403)  # private
