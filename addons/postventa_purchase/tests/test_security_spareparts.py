from odoo.exceptions import AccessError, MissingError
from odoo.tests import new_test_user, tagged

from .common import PostventaPurchaseCommon

CONTACT = "+5215500000001"  # the phone on file of the common test customer (self.partner)
STRANGER = "+5215599990000"


@tagged("post_install", "-at_install")
class TestSecuritySpareparts(PostventaPurchaseCommon):
    """Issue 11 item 1 (Odoo side): ``postventa_spareparts`` runs with the caller's rights, respects
    multi-company rules, and gives the quote's portal link only to callers entitled to it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The case came in from a number that is not the customer's phone on file (a stranger sending the plate).
        cls.case = cls._no_eligible_case(whatsapp_contact=STRANGER)
        cls.order = cls.case._postventa_create_quotes()
        cls.order.with_user(cls.approver).action_postventa_approve()
        cls.other_company = cls.env["res.company"].create({"name": "Toyota Querétaro (pruebas)"})
        vehicle = cls._create_vehicle(company_id=cls.other_company.id)
        # a fault without typical parts: nothing but the case itself stands between the caller and its data
        cls.foreign = cls._create_case(vehicle, cls.fault_electrical, km=15_000, company_id=cls.other_company.id,
                                       whatsapp_contact=CONTACT)
        cls.portal = new_test_user(cls.env, "pv_portal_sp", groups="base.group_portal")

    def spareparts(self, user, **kwargs):
        return self.env["product.product"].with_user(user).postventa_spareparts(**kwargs)

    def test_advisor_does_not_get_another_company_case(self):
        with self.assertRaises(AccessError):
            self.spareparts(self.user, case_id=self.foreign.id)
        mine = self.spareparts(self.user, case_id=self.case.id)
        self.assertEqual(mine["case"]["id"], self.case.id)

    def test_integration_only_within_its_companies(self):
        with self.assertRaises(MissingError):
            self.spareparts(self.integration, case_id=self.foreign.id)
        self.integration.company_ids |= self.other_company
        other = self.spareparts(self.integration, case_id=self.foreign.id)
        self.assertEqual(other["case"]["id"], self.foreign.id)

    def test_quote_link_only_for_the_verified_customer(self):
        anonymous = self.spareparts(self.integration, case_id=self.case.id)
        self.assertEqual(anonymous["case"]["id"], self.case.id)
        self.assertIsNone(anonymous["links"]["quote"], "no portal link without the customer's contact")
        self.assertEqual(self.partner.phone, CONTACT)
        stranger = self.spareparts(self.integration, case_id=self.case.id, contact=f"whatsapp:{STRANGER}")
        self.assertIsNone(stranger["links"]["quote"], "the case's sender is not the quote's customer on file")
        customer = self.spareparts(self.integration, case_id=self.case.id, contact=f"whatsapp:{CONTACT}")
        self.assertIn(f"/my/orders/{self.order.id}?access_token=", customer["links"]["quote"])
        # the same number without WhatsApp's mobile "1" (+52 55... vs +52 1 55...) is the same customer
        same = self.spareparts(self.integration, case_id=self.case.id, contact="+52 55 0000 0001")
        self.assertTrue(same["links"]["quote"])

    def test_staff_get_the_link_when_they_can_read_the_order(self):
        staff = self.spareparts(self.user, case_id=self.case.id)
        self.assertIn("access_token=", staff["links"]["quote"])
        # the contact argument does not widen what staff see
        self.assertIn("access_token=", self.spareparts(self.user, case_id=self.case.id, contact="+1")["links"]["quote"])

    def test_no_access_for_portal_public_and_outsiders(self):
        public = self.env.ref("base.public_user")
        for user in (self.portal, public, self.outsider):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.spareparts(user, case_id=self.case.id)
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.spareparts(user, part_number="QX1210")
