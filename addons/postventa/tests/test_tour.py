from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from .common import make_vin


@tagged("post_install", "-at_install")
class TestCaseTour(HttpCase):
    def test_user_evaluates_a_case_and_sees_the_decision(self):
        env = self.env
        user = new_test_user(env, "tour_advisor", groups="postventa.group_postventa_user", name="Asesor Recorrido")
        partner = env["res.partner"].create({"name": "Cliente Recorrido"})
        fault = env["postventa.fault"].create({
            "code": "T-ELE-1", "name": "Alternador no carga",
            "system_id": env.ref("postventa.system_electrical").id,
        })
        vehicle = env["postventa.vehicle"].create({
            "vin": make_vin(4242),
            "model_name": "Corolla",
            "partner_id": partner.id,
            "delivery_date": fields.Date.subtract(fields.Date.today(), months=6),
        })
        case = env["postventa.case"].create({
            "partner_id": partner.id, "vehicle_id": vehicle.id, "fault_id": fault.id, "odometer_km": 8000,
            "user_id": user.id,
        })
        self.start_tour(
            "/odoo/action-postventa.postventa_case_action", "postventa_evaluate_case_tour", login="tour_advisor"
        )
        self.assertEqual(case.warranty_status, "eligible")
        self.assertEqual(case.decision_id.user_id, user)
        self.assertTrue(case.ticket_id)
