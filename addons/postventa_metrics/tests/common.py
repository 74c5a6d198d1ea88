from datetime import datetime, time, timedelta

from odoo import fields
from odoo.tests import new_test_user

from odoo.addons.postventa.tests.common import PostventaCommon, make_vin


class MetricsCommon(PostventaCommon):
    """A company of its own (MXN) with factories that stamp controlled dates, relative to today.

    Dates are stamped in SQL after the record exists (``create_date`` and done dates cannot be chosen
    through the ORM); every stamp is a UTC time between 08:00 and 17:00 so that the days are the same
    in UTC and in Mexico City (UTC-6) unless a test wants otherwise.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        mxn = cls.env.ref("base.MXN")
        mxn.active = True
        cls.company_a = cls.env["res.company"].create({"name": "Métricas Prueba A", "currency_id": mxn.id})
        cls.company_b = cls.env["res.company"].create({"name": "Métricas Prueba B", "currency_id": mxn.id})
        both = [fields.Command.set([cls.company_a.id, cls.company_b.id])]
        cls.kpi_manager = new_test_user(
            cls.env, "kpi_manager", groups="postventa.group_postventa_warranty_manager", name="Gerente A",
            company_id=cls.company_a.id, company_ids=[fields.Command.set([cls.company_a.id])], tz="UTC",
        )
        cls.kpi_manager_both = new_test_user(
            cls.env, "kpi_manager_both", groups="postventa.group_postventa_warranty_manager", name="Gerente AB",
            company_id=cls.company_a.id, company_ids=both, tz="UTC",
        )
        cls.kpi_integration = new_test_user(
            cls.env, "kpi_bridge", groups="postventa.group_postventa_integration", name="Bridge A",
            company_id=cls.company_a.id, company_ids=[fields.Command.set([cls.company_a.id])], tz="UTC",
        )
        cls.kpi_advisor = new_test_user(
            cls.env, "kpi_advisor", groups="postventa.group_postventa_user", name="Asesor A",
            company_id=cls.company_a.id, company_ids=[fields.Command.set([cls.company_a.id])], tz="UTC",
        )
        cls.kpi_approver = new_test_user(
            cls.env, "kpi_approver", groups="postventa.group_postventa_purchasing_approver", name="Compras A",
            company_id=cls.company_a.id, company_ids=[fields.Command.set([cls.company_a.id])], tz="UTC",
        )
        cls.labor_product = cls.env["product.product"].create(
            {"name": "Mano de obra prueba", "type": "service", "list_price": 700.0}
        )
        cls._metrics_vin = 900

    # --- dates -----------------------------------------------------------------------------------
    @classmethod
    def at(cls, days_ago, hour=12, minute=0):
        """Naive UTC datetime ``days_ago`` days before today at ``hour``:``minute``."""
        return datetime.combine(cls.today - timedelta(days=days_ago), time(hour, minute))

    @classmethod
    def day(cls, days_ago):
        return (cls.today - timedelta(days=days_ago)).isoformat()

    @classmethod
    def stamp(cls, table, record_id, **values):
        cls.env.flush_all()
        assignments = ", ".join(f"{column} = %s" for column in values)
        cls.env.cr.execute(f"UPDATE {table} SET {assignments} WHERE id = %s", [*values.values(), record_id])  # noqa: E501
        cls.env.invalidate_all()

    # --- factories ---------------------------------------------------------------------------------
    @classmethod
    def _metrics_vehicle(cls, company, model_name="Corolla"):
        cls._metrics_vin += 1
        return cls.env["postventa.vehicle"].with_company(company).create({
            "vin": make_vin(cls._metrics_vin), "model_name": model_name, "model_year": 2024,
            "partner_id": cls.partner.id, "company_id": company.id,
            "delivery_date": cls.today - timedelta(days=400),
        })

    @classmethod
    def _metrics_case(cls, company, created, model_name="Corolla", fault=None, advisor=None):
        case = cls.env["postventa.case"].with_company(company).create({
            "company_id": company.id,
            "partner_id": cls.partner.id,
            "vehicle_id": cls._metrics_vehicle(company, model_name).id,
            "fault_id": (fault or cls.fault_wear).id,
            "odometer_km": 20_000,
            "user_id": (advisor or cls.kpi_advisor).id,
        })
        cls.stamp("postventa_case", case.id, create_date=created)
        return case

    @classmethod
    def _decide(cls, case, outcome, when):
        decision = cls.env["postventa.warranty.decision"].sudo().create({
            "case_id": case.id, "company_id": case.company_id.id, "vehicle_id": case.vehicle_id.id,
            "fault_id": case.fault_id.id, "outcome": outcome, "reason_text": "prueba de métricas",
        })
        cls.stamp("postventa_warranty_decision", decision.id, create_date=when)
        return decision

    @classmethod
    def _quote(cls, case, state):
        """A quote of one labor line for the case, left in ``state`` (draft, sale or cancel)."""
        order = cls.env["sale.order"].with_company(case.company_id).create({
            "partner_id": cls.partner.id,
            "company_id": case.company_id.id,
            "postventa_case_id": case.id,
            "order_line": [fields.Command.create({"product_id": cls.labor_product.id, "product_uom_qty": 1})],
        })
        if state in ("sale", "cancel"):
            order.postventa_approval_state = "to_approve"
            order.action_postventa_approve()
        if state == "sale":
            order.action_confirm()
        elif state == "cancel":
            order.action_cancel()
        return order

    @classmethod
    def _close(cls, case, done_at):
        case.action_done()
        cls.stamp("postventa_case", case.id, date_done=done_at)

    @classmethod
    def _ticket(cls, case, opened, parts=(), labor=()):
        """A warranty ticket with part lines [(qty, unit cost)] and labor lines [(hours, rate)]."""
        lines = [fields.Command.create({"line_type": "part", "description": "Refacción", "quantity": q,
                                        "unit_cost": c}) for q, c in parts]
        lines += [fields.Command.create({"line_type": "labor", "description": "Mano de obra", "quantity": q,
                                         "unit_cost": c}) for q, c in labor]
        ticket = cls.env["postventa.warranty.ticket"].create({"case_id": case.id, "line_ids": lines})
        cls.stamp("postventa_warranty_ticket", ticket.id, create_date=opened)
        return ticket

    @classmethod
    def _part(cls, name, is_part=True, supplier=None):
        product = cls.env["product.product"].create({
            "name": name, "type": "consu", "is_storable": True, "postventa_is_part": is_part,
            "standard_price": 100.0,
        })
        if supplier:
            cls.env["product.supplierinfo"].create({
                "partner_id": supplier.id, "product_tmpl_id": product.product_tmpl_id.id, "price": 80.0,
                "company_id": False,
            })
        return product

    @classmethod
    def _move(cls, company, product, source, destination, qty, when):
        move = cls.env["stock.move"].with_company(company).create({
            "product_id": product.id, "product_uom_qty": qty, "product_uom": product.uom_id.id,
            "location_id": source.id, "location_dest_id": destination.id, "company_id": company.id,
        })
        move._action_confirm()
        move._action_assign()
        move.quantity = qty
        move.picked = True
        move._action_done()
        cls.env.flush_all()
        cls.env.cr.execute("UPDATE stock_move_line SET date = %s WHERE move_id = %s", (when, move.id))
        cls.env.cr.execute("UPDATE stock_move SET date = %s WHERE id = %s", (when, move.id))
        cls.env.invalidate_all()
        return move

    def kpis(self, user, date_from, date_to, company=None, tz="UTC"):
        model = self.env["postventa.kpi"].with_user(user).with_context(tz=tz)
        if company:
            return model.compute_kpis(date_from, date_to, company_id=company.id)
        return model.compute_kpis(date_from, date_to)
