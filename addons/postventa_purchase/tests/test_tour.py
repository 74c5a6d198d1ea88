from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.postventa.tests.common import make_vin


@tagged("post_install", "-at_install")
class TestApproveQuoteTour(HttpCase):
    def test_purchasing_approver_opens_the_quote_from_the_case_and_approves_it(self):
        env = self.env
        approver = new_test_user(
            env, "tour_approver", groups="postventa.group_postventa_purchasing_approver", name="Compras Recorrido"
        )
        partner = env["res.partner"].create({"name": "Cliente Recorrido Refacciones"})
        supplier = env["res.partner"].create(
            {"name": "Proveedor Recorrido", "is_company": True, "postventa_is_parts_supplier": True}
        )
        part = env["product.product"].create({
            "name": "Balatas recorrido", "type": "consu", "is_storable": True, "list_price": 1000.0,
            "postventa_is_part": True, "postventa_part_number": "98765-43210", "postventa_is_oem": True,
        })
        env["product.supplierinfo"].create(
            {"partner_id": supplier.id, "product_tmpl_id": part.product_tmpl_id.id, "price": 600.0, "delay": 1}
        )
        fault = env["postventa.fault"].create({
            "code": "T-TOUR-1", "name": "Balatas gastadas", "system_id": env.ref("postventa.system_brakes").id,
            "is_wear_item": True, "labor_hours": 1.0, "part_ids": [Command.set(part.ids)],
        })
        vehicle = env["postventa.vehicle"].create({
            "vin": make_vin(7777), "model_name": "Corolla", "partner_id": partner.id,
            "delivery_date": fields.Date.subtract(fields.Date.today(), months=6),
        })
        case = env["postventa.case"].create({
            "partner_id": partner.id, "vehicle_id": vehicle.id, "fault_id": fault.id, "odometer_km": 9000,
        })
        case.action_mark_evidence_provided()
        case.action_evaluate_warranty()
        self.assertEqual(case.warranty_status, "no_eligible")
        order = case._postventa_create_quotes()
        self.start_tour(
            f"/odoo/action-postventa.postventa_case_action/{case.id}",
            "postventa_purchase_approve_quote_tour",
            login="tour_approver",
        )
        self.assertEqual(order.postventa_approval_state, "approved")
        self.assertEqual(order.postventa_approved_by_id, approver)
        self.assertEqual(
            env["postventa.event"].search_count([("event_type", "=", "quote.approved"), ("res_id", "=", case.id),
                                                 ("res_model", "=", "postventa.case")]),
            1,
        )
