import base64
import hashlib

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import PostventaCommon


@tagged("post_install", "-at_install")
class TestBridgeMethods(PostventaCommon):
    def setUp(self):
        super().setUp()
        self.Case = self.env["postventa.case"].with_user(self.integration)

    def _record(self, neon_id, **vals):
        return {"neon_id": neon_id, "contact_id": "whatsapp:+5215599990000", "customer_name": "Pedro Páramo",
                "odo_km": 12_000, **vals}

    OWNER = "whatsapp:+5215500000001"  # the phone on file of the vehicles' owner (common.py)

    def test_bridge_cases_get_their_advisor_without_an_assignment_email_each(self):
        """A 10,000-case sync took 525 s instead of 12 s: every new case rendered and queued an "assigned to
        you" e-mail (message_notify) for the advisor it was given."""
        bridge = self.Case.with_context(tracking_disable=False)  # as in production (common.py turns it off)
        results = bridge.bridge_upsert_cases([self._record(neon_id) for neon_id in (301, 302, 303)])
        cases = self.env["postventa.case"].browse([r["id"] for r in results])
        self.assertTrue(all(cases.mapped("user_id")), "each case still gets its advisor")
        notices = self.env["mail.message"].sudo().search([
            ("model", "=", "postventa.case"), ("res_id", "in", cases.ids), ("message_type", "=", "user_notification"),
        ])
        self.assertFalse(notices, "no assignment notice per bridge-created case")

    def test_upsert_creates_then_updates_by_neon_id(self):
        vehicle = self._create_vehicle(plate="QRO-100-A")
        first = self.Case.bridge_upsert_cases([
            self._record(101, vin=vehicle.vin.lower(), falla_tipo="t-ele-1", description="testigo de batería",
                         contact_id=self.OWNER),
            self._record(102, plate="qro-100-a", falla_tipo="NO-EXISTE"),
            self._record(103, vin="JTDBR32E2XXXXXXXX"),
        ])
        self.assertEqual([r["created"] for r in first], [True, True, True])
        cases = self.env["postventa.case"].browse([r["id"] for r in first])
        self.assertEqual(cases.mapped("neon_id"), [101, 102, 103])
        self.assertEqual(cases[0].vehicle_id, vehicle)
        self.assertEqual(cases[0].fault_id, self.fault_electrical)
        self.assertEqual(cases[1].vehicle_id, vehicle, "found by plate")
        self.assertEqual(cases[1].fault_code_reported, "NO-EXISTE")
        self.assertFalse(cases[2].vehicle_id)
        self.assertEqual(cases[2].vin_reported, "JTDBR32E2XXXXXXXX")
        self.assertFalse(cases[2].is_ready, "no fault yet")
        self.assertEqual(cases[0].partner_id, vehicle.partner_id, "the owner, writing from the phone on file")
        self.assertFalse(cases[0].owner_unverified)
        self.assertEqual(cases[2].partner_id.phone, "+5215599990000")
        self.assertEqual(cases[1].partner_id, cases[2].partner_id, "a plate alone does not make its owner the customer")
        self.assertTrue(cases[1].owner_unverified)
        newcomers = self.Case.bridge_upsert_cases([
            self._record(110, contact_id="whatsapp:+5215577770001", customer_name="Rosa"),
            self._record(111, contact_id="whatsapp:+5215577770001", customer_name="Rosa"),
            self._record(112, contact_id="whatsapp:+5215577770002"),
        ])
        partners = self.env["postventa.case"].browse([r["id"] for r in newcomers]).partner_id
        self.assertEqual(len(partners), 2, "one contact per WhatsApp number, even within a batch")
        self.assertEqual(sorted(partners.mapped("phone")), ["+5215577770001", "+5215577770002"])
        second = self.Case.bridge_upsert_cases([self._record(101, vin=vehicle.vin, falla_tipo="T-ELE-1",
                                                             description="ahora también hace ruido",
                                                             contact_id=self.OWNER)])
        self.assertEqual(second, [{"neon_id": 101, "id": cases[0].id, "name": cases[0].name, "created": False}])
        self.assertEqual(cases[0].description, "ahora también hace ruido")
        self.assertEqual(self.env["postventa.case"].search_count([("neon_id", "in", [101, 102, 103])]), 3)

    def test_bad_records_are_reported_without_failing_the_batch(self):
        results = self.Case.bridge_upsert_cases([
            {"neon_id": "7"}, {"neon_id": 8, "odo_km": -5}, "nope", self._record(9),
            {"neon_id": 10, "attachments": [{"sha256": "xyz"}]}, self._record(9, description="otra vez"),
        ])
        self.assertEqual([bool(r.get("error")) for r in results], [True, True, True, False, True, True])
        self.assertIn("twice", results[5]["error"])
        self.assertIn("neon_id", results[0]["error"])
        self.assertIn("odo_km", results[1]["error"])
        self.assertTrue(results[3]["id"])

    def test_attachments_once_per_hash_mark_evidence_and_trigger_evaluation(self):
        vehicle = self._create_vehicle()
        photo = b"\xff\xd8 odometer photo bytes"
        sha = hashlib.sha256(photo).hexdigest()
        attachment = {"sha256": sha, "filename": "odometro.jpg", "content_type": "image/jpeg",
                      "evidence_kind": "odometer_photo", "datas": base64.b64encode(photo).decode()}
        record = self._record(201, vin=vehicle.vin, falla_tipo="T-ELE-1", attachments=[attachment],
                              contact_id=self.OWNER)
        result = self.Case.bridge_upsert_cases([record])
        case = self.env["postventa.case"].browse(result[0]["id"])
        self.assertEqual(case.attachment_count, 1)
        self.assertTrue(case.evidence_complete)
        self.assertEqual(case.warranty_status, "eligible", "a complete case is evaluated at once")
        self.Case.bridge_upsert_cases([record, self._record(201, vin=vehicle.vin, falla_tipo="T-ELE-1",
                                                            attachments=[dict(attachment, datas=None)],
                                                            contact_id=self.OWNER)])
        self.assertEqual(case.attachment_count, 1)
        self.assertEqual(len(case.decision_ids), 1)
        tampered = dict(attachment, sha256="0" * 64)
        garbled = dict(attachment, datas="not base64!")
        results = self.Case.bridge_upsert_cases([
            self._record(202, attachments=[tampered]), self._record(203, attachments=[garbled]), self._record(204),
        ])
        self.assertIn("do not match", results[0]["error"])
        self.assertIn("not valid base64", results[1]["error"])
        self.assertTrue(results[2]["id"], "the good record of the batch is taken")
        self.assertFalse(self.env["postventa.case"].search([("neon_id", "in", [202, 203])]))

    def test_complete_case_of_an_unknown_vehicle_goes_to_review(self):
        photo = b"odometer"
        sha = hashlib.sha256(photo).hexdigest()
        [result] = self.Case.bridge_upsert_cases([self._record(
            250, vin="JTDKB20U993456789", falla_tipo="T-ELE-1",
            attachments=[{"sha256": sha, "evidence_kind": "odometer_photo", "datas": base64.b64encode(photo).decode()}],
        )])
        case = self.env["postventa.case"].browse(result["id"])
        self.assertFalse(case.vehicle_id)
        self.assertEqual(case.warranty_status, "review")
        self.assertEqual(case.decision_id.reason_codes.split(",")[0], "vehicle_unknown")
        self.assertEqual(len(case.activity_ids), 1, "a person links the vehicle")

    def test_changes_feed_is_keyset_paged(self):
        created = self.Case.bridge_upsert_cases([self._record(300 + i) for i in range(5)])
        seen, neon_ids, cursor = [], set(), {}
        while True:
            page = self.Case.bridge_changes(limit=2, **cursor)
            seen += [r["id"] for r in page["records"]]
            neon_ids |= {r["neon_id"] for r in page["records"]}
            if not page["next"]:
                break
            cursor = page["next"]
        self.assertTrue({300, 301, 302, 303, 304} <= neon_ids)
        self.assertEqual(len(seen), len(set(seen)), "no record twice within a pass")
        self.assertEqual(len(seen), self.env["postventa.case"].search_count([]))
        # a change after the pass shows up from the last cursor
        self.env["postventa.case"].browse(created[0]["id"]).write({"description": "cambió"})
        self.env.flush_all()
        # in a test everything shares one transaction timestamp: move this change later by hand
        self.env.cr.execute("UPDATE postventa_case SET write_date = now() + interval '1 second' WHERE id = %s",
                            (created[0]["id"],))
        self.env.invalidate_all()
        later = self.Case.bridge_changes(**cursor)
        self.assertEqual([r["id"] for r in later["records"]], [created[0]["id"]])
        record = next(r for r in self.Case.bridge_changes(limit=5000)["records"] if r["neon_id"] == 300)
        self.assertEqual((record["warranty_status"], record["decision"], record["ticket"]), ("pending", None, None))

    def test_catalog_and_handoff(self):
        catalog = {f["code"]: f for f in self.env["postventa.fault"].with_user(self.integration).bridge_catalog()}
        self.assertEqual(catalog["T-ENG-1"]["required_evidence"], ["odometer_photo", "noise_video"])
        self.assertEqual(catalog["T-ENG-1"]["coverage"], "powertrain")
        self.assertIsNone(catalog["T-BRK-1"]["coverage"])
        self.Case.bridge_upsert_cases([self._record(400)])
        handed = self.Case.bridge_handoff(400, "quiere hablar con alguien")
        case = self.env["postventa.case"].browse(handed["id"])
        self.assertEqual(len(case.activity_ids), 1)
        self.assertTrue(self.env["postventa.event"].search([("event_type", "=", "case.handoff"),
                                                            ("res_id", "=", case.id)]))


@tagged("post_install", "-at_install")
class TestBridgeIdentity(PostventaCommon):
    """Identity rule (issue 11 item 3): a plate or VIN alone never binds a stranger to someone's vehicle."""

    def setUp(self):
        super().setUp()
        self.Case = self.env["postventa.case"].with_user(self.integration)
        self.vehicle = self._create_vehicle(plate="NLE-900-Z")

    def _complete(self, neon_id, contact, **vals):
        photo = f"odometer {neon_id}".encode()
        evidence = {"sha256": hashlib.sha256(photo).hexdigest(), "evidence_kind": "odometer_photo",
                    "datas": base64.b64encode(photo).decode()}
        [result] = self.Case.bridge_upsert_cases([{
            "neon_id": neon_id, "contact_id": contact, "customer_name": "Desconocido", "odo_km": 12_000,
            "falla_tipo": "T-ELE-1", "attachments": [evidence], **vals,
        }])
        return self.env["postventa.case"].browse(result["id"])

    def test_a_strangers_plate_goes_to_review_as_unverified_owner_with_an_activity(self):
        for neon_id, claim in ((901, {"plate": "NLE-900-Z"}), (902, {"vin": self.vehicle.vin})):
            case = self._complete(neon_id, "whatsapp:+5215544443333", **claim)
            self.assertEqual(case.vehicle_id, self.vehicle, "staff still see which vehicle was named")
            self.assertNotEqual(case.partner_id, self.vehicle.partner_id)
            self.assertEqual(case.partner_id.phone, "+5215544443333")
            self.assertTrue(case.owner_unverified)
            self.assertEqual(case.warranty_status, "review")
            self.assertEqual(case.decision_id.reason_codes.split(",")[0], "owner_unverified")
            self.assertIn("covered", case.decision_id.reason_codes, "what the policy would say is kept for the manager")
            self.assertFalse(case.ticket_id)
            self.assertEqual(len(case.activity_ids), 1)
            self.assertIn("Dueño no verificado", case.activity_ids.note)
            self.assertFalse(self.env["postventa.odometer"].search([("case_id", "=", case.id)]),
                             "a stranger's km reading never enters the owner's vehicle history")

    def test_the_owners_phone_on_file_in_any_format_binds_the_owner(self):
        owner = self.env["res.partner"].create({"name": "Dueña", "phone": "+52 1 (81) 2222-3333"})
        self.vehicle.partner_id = owner
        driver = self.env["res.partner"].create({"name": "Chofer", "phone": "81 4444 5555", "parent_id": owner.id})
        for neon_id, contact in ((911, "whatsapp:+5218122223333"), (912, "whatsapp:+528144445555")):
            case = self._complete(neon_id, contact, plate="NLE-900-Z")
            self.assertFalse(case.owner_unverified, contact)
            self.assertEqual(case.partner_id, owner)
            self.assertEqual(case.warranty_status, "eligible")
        self.assertTrue(driver)

    def test_only_a_warranty_manager_confirms_and_the_confirmation_outlasts_later_syncs(self):
        case = self._complete(921, "whatsapp:+5215544443333", plate="NLE-900-Z")
        with self.assertRaises(AccessError):
            case.with_user(self.user).action_confirm_owner()
        with self.assertRaises(AccessError):
            case.with_user(self.manager).write({"owner_unverified": False})
        with self.assertRaises(AccessError):
            case.with_user(self.integration).write({"owner_unverified": False})
        self.assertTrue(case.owner_unverified)
        case.with_user(self.manager).action_confirm_owner()
        self.assertFalse(case.owner_unverified)
        self.assertEqual(case.owner_confirmed_by_id, self.manager)
        self.assertEqual(case.partner_id, self.vehicle.partner_id)
        self.assertEqual(case.warranty_status, "eligible", "evaluated again once a person confirmed the owner")
        self.assertTrue(case.ticket_id)
        self._complete(921, "whatsapp:+5215544443333", plate="NLE-900-Z", description="otra vez")
        self.assertFalse(case.owner_unverified)
        self.assertEqual(case.partner_id, self.vehicle.partner_id)
