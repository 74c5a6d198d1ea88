from datetime import timedelta

from odoo import fields

from odoo.addons.postventa.tests.common import PostventaCommon, load_schema, schema_problems  # noqa: F401


class PostventaPurchaseCommon(PostventaCommon):
    """Parts, equivalences and suppliers with distinct price / lead-time profiles (fictional numbers, so the
    demo catalog never interferes)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.write({
            "postventa_labor_rate": 700.0,
            "postventa_sla_days_critical": 2,
            "postventa_sla_days_high": 3,
            "postventa_sla_days_medium": 5,
            "postventa_sla_days_low": 10,
            "postventa_backorder_days": 10,
        })
        cls.currency = cls.company.currency_id
        cls.sup_fast = cls._create_supplier("Express Prueba", 0.97)
        cls.sup_cheap = cls._create_supplier("Mayoreo Prueba", 0.8)
        cls.pads = cls._create_part("99465-02220", "Balatas prueba", 1250.0, brand="Toyota", oem=True)
        cls.pads_wagner = cls._create_part("QX-1210", "Balatas prueba Wagner", 800.0, brand="Wagner",
                                           grade="standard")
        cls.filter = cls._create_part("99915-YZZD1", "Filtro prueba", 190.0, brand="Toyota", oem=True)
        cls._create_equivalence(cls.pads, "Wagner", "QX 1210", product=cls.pads_wagner, grade="standard")
        cls._create_equivalence(cls.pads_wagner, "Raybestos", "RX-1210-H", grade="economy")
        # Pads: express is fast and dear; mayoreo cheap and slow. The Wagner pads arrive in 2 days.
        cls.offer_pads_fast = cls._create_offer(cls.pads, cls.sup_fast, 900.0, 1, stock=5)
        cls.offer_pads_cheap = cls._create_offer(cls.pads, cls.sup_cheap, 700.0, 6, stock=40)
        cls.offer_wagner_fast = cls._create_offer(cls.pads_wagner, cls.sup_fast, 600.0, 2, stock=5)
        cls.offer_wagner_cheap = cls._create_offer(cls.pads_wagner, cls.sup_cheap, 450.0, 6, stock=40)
        cls.offer_filter_cheap = cls._create_offer(cls.filter, cls.sup_cheap, 120.0, 2, stock=50)
        cls.fault_parts = cls._create_fault(
            "T-PRT-1", cls.sys_brakes, evidence=cls.ev_odometer, wear=True, severity="high", labor_hours=1.5,
            part_ids=[fields.Command.set([cls.pads.id, cls.filter.id])],
        )

    @classmethod
    def _create_supplier(cls, name, reliability):
        return cls.env["res.partner"].create({
            "name": name, "is_company": True, "postventa_is_parts_supplier": True,
            "postventa_reliability": reliability,
        })

    @classmethod
    def _create_part(cls, number, name, price, brand="Toyota", oem=False, grade=None):
        return cls.env["product.product"].create({
            "name": name,
            "type": "consu",
            "is_storable": True,
            "list_price": price,
            "postventa_is_part": True,
            "postventa_part_number": number,
            "postventa_brand": brand,
            "postventa_is_oem": oem,
            "postventa_quality_grade": grade or ("oem" if oem else "standard"),
        })

    @classmethod
    def _create_equivalence(cls, part, brand, number, product=None, grade="standard"):
        return cls.env["postventa.part.equivalence"].create({
            "product_tmpl_id": part.product_tmpl_id.id,
            "brand": brand,
            "part_number": number,
            "equivalent_tmpl_id": product.product_tmpl_id.id if product else False,
            "quality_grade": grade,
        })

    @classmethod
    def _create_offer(cls, product, partner, price, delay, stock=10.0, currency=None, **vals):
        return cls.env["product.supplierinfo"].create({
            "partner_id": partner.id,
            "product_tmpl_id": product.product_tmpl_id.id,
            "price": price,
            "currency_id": (currency or cls.currency).id,
            "delay": delay,
            "postventa_stock_qty": stock,
            "postventa_url": f"https://proveedor.example.com/{product.postventa_part_number_norm}",
            "postventa_contact": "ventas@proveedor.example.com",
            **vals,
        })

    @classmethod
    def _no_eligible_case(cls, fault=None, neon_id=None, **vals):
        if neon_id:
            vals["neon_id"] = neon_id
        case = cls._create_case(cls._create_vehicle(), fault or cls.fault_parts, km=15_000, **vals)
        case.action_evaluate_warranty()
        return case

    def _events(self, case, event_type):
        return self.env["postventa.event"].search(
            [("event_type", "=", event_type), ("res_model", "=", "postventa.case"), ("res_id", "=", case.id)]
        )

    def _days(self, days):
        return fields.Date.context_today(self.env["postventa.case"]) + timedelta(days=days)
