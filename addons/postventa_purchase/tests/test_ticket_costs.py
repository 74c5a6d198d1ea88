from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import PostventaPurchaseCommon


@tagged("post_install", "-at_install")
class TestWarrantyTicketCosts(PostventaPurchaseCommon):
    """A warranty ticket is priced from the fault catalog and follows its case."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pads.standard_price = 810.0
        cls.pads_wagner.standard_price = 500.0
        cls.fault_covered = cls._create_fault(
            "T-TCK-1", cls.sys_brakes, evidence=cls.ev_odometer, labor_hours=1.5,
            part_ids=[(6, 0, (cls.pads | cls.pads_wagner).ids)],
        )

    def _eligible_ticket(self):
        case = self._create_case(self._create_vehicle(months_ago=6), self.fault_covered, km=9_000)
        case.action_evaluate_warranty()
        self.assertEqual(case.warranty_status, "eligible")
        return case, case.ticket_id

    def test_ticket_costs_come_from_the_catalog(self):
        _case, ticket = self._eligible_ticket()
        parts = ticket.line_ids.filtered(lambda line: line.line_type == "part")
        labor = ticket.line_ids - parts
        self.assertEqual(parts.product_id, self.pads, "the genuine part, at its cost")
        self.assertEqual(parts.unit_cost, 810.0)
        self.assertEqual((labor.quantity, labor.unit_cost), (1.5, 700.0), "hours x the workshop rate")
        self.assertEqual((ticket.parts_cost, ticket.labor_cost, ticket.total_cost), (810.0, 1050.0, 1860.0))

    def test_warranty_manager_adjusts_costs_advisor_cannot(self):
        _case, ticket = self._eligible_ticket()
        labor = ticket.line_ids.filtered(lambda line: line.line_type == "labor")
        labor.with_user(self.manager).write({"quantity": 2.0})
        self.assertEqual(ticket.labor_cost, 1400.0)
        with self.assertRaises(AccessError):
            labor.with_user(self.user).write({"unit_cost": 1.0})

    def test_ticket_closes_with_its_case(self):
        case, ticket = self._eligible_ticket()
        ticket.state = "approved"
        case.action_done()
        self.assertEqual((case.state, ticket.state), ("done", "closed"))
