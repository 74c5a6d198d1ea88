import base64
import hashlib

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

    def test_upsert_creates_then_updates_by_neon_id(self):
        vehicle = self._create_vehicle(plate="QRO-100-A")
        first = self.Case.bridge_upsert_cases([
            self._record(101, vin=vehicle.vin.lower(), falla_tipo="t-ele-1", description="testigo de batería"),
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
        self.assertEqual(cases[0].partner_id, vehicle.partner_id, "the vehicle's owner is the customer")
        self.assertEqual(cases[2].partner_id.phone, "+5215599990000")
        self.assertEqual(cases[1].partner_id, vehicle.partner_id)
        newcomers = self.Case.bridge_upsert_cases([
            self._record(110, contact_id="whatsapp:+5215577770001", customer_name="Rosa"),
            self._record(111, contact_id="whatsapp:+5215577770001", customer_name="Rosa"),
            self._record(112, contact_id="whatsapp:+5215577770002"),
        ])
        partners = self.env["postventa.case"].browse([r["id"] for r in newcomers]).partner_id
        self.assertEqual(len(partners), 2, "one contact per WhatsApp number, even within a batch")
        self.assertEqual(sorted(partners.mapped("phone")), ["+5215577770001", "+5215577770002"])
        second = self.Case.bridge_upsert_cases([self._record(101, vin=vehicle.vin, falla_tipo="T-ELE-1",
                                                             description="ahora también hace ruido")])
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
        record = self._record(201, vin=vehicle.vin, falla_tipo="T-ELE-1", attachments=[attachment])
        result = self.Case.bridge_upsert_cases([record])
        case = self.env["postventa.case"].browse(result[0]["id"])
        self.assertEqual(case.attachment_count, 1)
        self.assertTrue(case.evidence_complete)
        self.assertEqual(case.warranty_status, "eligible", "a complete case is evaluated at once")
        self.Case.bridge_upsert_cases([record, self._record(201, vin=vehicle.vin, falla_tipo="T-ELE-1",
                                                            attachments=[dict(attachment, datas=None)])])
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
