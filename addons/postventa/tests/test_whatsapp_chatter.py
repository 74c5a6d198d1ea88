import base64
import hashlib
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import PostventaCommon

PHOTO = b"\xff\xd8\xff\xe0 foto del tablero"
SENDER = "whatsapp:+5215500000001"  # the test customer's phone on file


def photo_item(data=PHOTO, **extra):
    return {"sha256": hashlib.sha256(data).hexdigest(), "filename": "tablero.jpg", "content_type": "image/jpeg",
            "datas": base64.b64encode(data).decode(), **extra}


@tagged("post_install", "-at_install")
class TestWhatsappChatter(PostventaCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.case = cls._create_case(cls._create_vehicle(), cls.fault_electrical, neon_id=770_001,
                                    whatsapp_contact="+5215500000001")
        cls.Case = cls.env["postventa.case"].with_user(cls.integration)
        cls.bot = cls.env["postventa.case"]._wa_bot_partner()

    def mirror(self, *messages):
        return self.Case.bridge_mirror_messages(messages=list(messages))

    def inbound(self, sid="MM" + "a" * 32, **extra):
        return {"sid": sid, "neon_id": self.case.neon_id, "direction": "inbound", "contact_id": SENDER,
                "body": "Se prende el foco de la batería", "at": "2026-12-01T10:00:00Z", **extra}

    def chatter(self, case=None):
        domain = [("model", "=", "postventa.case"), ("res_id", "=", (case or self.case).id),
                  ("message_type", "=", "comment")]
        return self.env["mail.message"].search(domain, order="id")

    # --- the mirror ----------------------------------------------------------------------------------
    def test_inbound_message_with_photo_is_posted_once_with_the_customer_as_author(self):
        first = self.mirror(self.inbound(media=[photo_item(evidence_kind="odometer_photo")]))
        again = self.mirror(self.inbound(media=[photo_item(evidence_kind="odometer_photo")]))
        self.assertTrue(first[0]["created"])
        self.assertEqual((again[0]["created"], again[0]["id"]), (False, first[0]["id"]))
        [message] = self.chatter()
        self.assertEqual(message.author_id, self.partner)
        self.assertIn("foco de la batería", message.body)
        self.assertTrue(message.subtype_id.internal, "a note: never e-mailed to the customer")
        self.assertEqual(message.attachment_ids.mapped("raw"), [PHOTO])
        self.assertEqual(message.attachment_ids.res_id, self.case.id)
        self.assertEqual(fields.Datetime.to_string(message.date), "2026-12-01 10:00:00")
        self.assertEqual(self.case.whatsapp_last_inbound_at, fields.Datetime.to_datetime("2026-12-01 10:00:00"))
        ledger = self.case.whatsapp_message_ids
        self.assertEqual((ledger.wa_sid, ledger.state, ledger.message_id), ("MM" + "a" * 32, "received", message))

    def test_the_photo_is_stored_once_whether_the_sync_or_the_mirror_brings_it_first(self):
        sha = hashlib.sha256(PHOTO).hexdigest()
        self.Case.bridge_upsert_cases(records=[{"neon_id": self.case.neon_id, "contact_id": SENDER, "attachments": [
            {"sha256": sha, "filename": "a.jpg", "content_type": "image/jpeg",
             "datas": base64.b64encode(PHOTO).decode()}]}])
        self.mirror(self.inbound(media=[{"sha256": sha}]))  # the bytes are already in Odoo: the hash is enough
        attachments = self.env["ir.attachment"].search([("res_model", "=", "postventa.case"),
                                                        ("res_id", "=", self.case.id), ("postventa_sha256", "=", sha)])
        self.assertEqual(len(attachments), 1)
        self.assertEqual(self.chatter().attachment_ids, attachments)

    def test_outbound_messages_have_the_whatsapp_author_and_batches_keep_going_past_bad_entries(self):
        results = self.mirror(
            {"sid": "SM" + "b" * 32, "neon_id": self.case.neon_id, "direction": "outbound",
             "body": "Tu caso está completo", "at": "2026-12-01T10:00:05Z"},
            {"sid": "SM" + "c" * 32, "neon_id": 999_999_999, "direction": "outbound", "body": "otro caso"},
            {"sid": "x", "neon_id": self.case.neon_id, "direction": "inbound"},
            {"sid": "SM" + "d" * 32, "neon_id": self.case.neon_id, "direction": "inbound",
             "media": [photo_item(datas=base64.b64encode(b"otra cosa").decode())]},
        )
        self.assertTrue(results[0]["created"])
        self.assertEqual(results[1], {"sid": "SM" + "c" * 32, "error": "no case with this neon_id yet"})
        self.assertIn("sid must be", results[2]["error"])
        self.assertIn("do not match", results[3]["error"])
        [message] = self.chatter()
        self.assertEqual(message.author_id, self.bot)
        self.assertEqual(self.case.whatsapp_message_ids.origin, "bot")
        self.assertFalse(self.case.whatsapp_last_inbound_at, "only the customer's messages open the window")

    def test_a_sender_unknown_to_odoo_becomes_the_author_by_phone(self):
        stranger = "whatsapp:+5215519990002"
        self.mirror(self.inbound(contact_id=stranger, profile_name="Pedro"))
        author = self.chatter().author_id
        self.assertEqual((author.name, author.phone), ("Pedro", "+5215519990002"))
        self.mirror(self.inbound(sid="SM" + "e" * 32, contact_id=stranger))
        self.assertEqual(self.chatter().author_id, author, "the same contact, not a second one")

    def test_mirror_refuses_everyone_but_the_integration_user(self):
        for user in (self.user, self.manager, self.outsider):
            with self.assertRaises(AccessError):
                self.env["postventa.case"].with_user(user).bridge_mirror_messages(messages=[self.inbound()])
        with self.assertRaises(ValidationError):
            self.Case.bridge_mirror_messages(messages={"sid": "MM"})
        with self.assertRaises(ValidationError):
            self.Case.bridge_mirror_messages(messages=[self.inbound(sid=f"SM{i:032d}") for i in range(501)])

    def test_portal_and_integration_users_cannot_read_the_conversation(self):
        self.mirror(self.inbound(media=[photo_item()]))
        message = self.chatter()
        portal = new_test_user(self.env, "pv_wa_portal", groups="base.group_portal", partner_id=self.partner.id)
        for user in (portal, self.integration, self.outsider):
            with self.assertRaises(AccessError, msg=user.login):
                message.with_user(user).read(["body"])
            with self.assertRaises(AccessError, msg=user.login):
                self.case.whatsapp_message_ids.with_user(user).read(["body"])
            with self.assertRaises(AccessError, msg=user.login):
                message.attachment_ids.with_user(user).read(["raw"])
        self.assertIn("batería", message.with_user(self.user).read(["body"])[0]["body"])

    # --- staff replies ---------------------------------------------------------------------------------
    def reply(self, user, body="Ya revisamos tu caso, te esperamos mañana", case=None):
        wizard = Form(self.env["postventa.whatsapp.reply"].with_user(user).with_context(
            default_case_id=(case or self.case).id))
        wizard.body = body
        return wizard.save().action_send()

    def test_staff_reply_goes_to_the_chatter_and_waits_for_the_bridge(self):
        self.reply(self.user)
        reply = self.case.whatsapp_message_ids
        self.assertEqual((reply.state, reply.origin, reply.user_id), ("pending", "staff", self.user))
        self.assertEqual(reply.message_id.author_id, self.user.partner_id)
        self.assertIn("te esperamos", reply.message_id.body)
        pulled = self.Case.bridge_pull_replies(limit=10)
        self.assertEqual([(r["key"], r["neon_id"], r["body"]) for r in pulled],
                         [(reply.reply_key, 770_001, "Ya revisamos tu caso, te esperamos mañana")])
        self.assertEqual(self.Case.bridge_pull_replies(limit=10), pulled, "returned until the bridge has it")

    def test_reply_reports_move_forward_and_tell_the_chatter_once(self):
        self.reply(self.manager)
        reply = self.case.whatsapp_message_ids
        key = reply.reply_key
        report = self.Case.bridge_report_replies
        self.assertEqual(report(updates=[{"key": key, "state": "queued"}]), 1)
        self.assertFalse(self.Case.bridge_pull_replies(), "queued: not pulled again")
        self.assertEqual(report(updates=[{"key": key, "state": "held", "error": "outside the 24-hour window and "
                                                                          "no approved template for this kind"}]), 1)
        self.assertEqual(report(updates=[{"key": key, "state": "queued"}]), 0, "never backwards")
        self.assertEqual(report(updates=[{"key": key, "state": "sent", "sid": "SM" + "f" * 32}]), 1)
        self.assertEqual(report(updates=[{"key": key, "state": "sent", "sid": "SM" + "f" * 32},
                                         {"key": key, "state": "failed", "error": "late"},
                                         {"key": "unknown", "state": "sent"}]), 0)
        self.assertEqual((reply.state, reply.wa_sid, reply.error), ("sent", "SM" + "f" * 32, False))
        notes = self.chatter() - reply.message_id
        self.assertEqual(len(notes), 2, notes.mapped("body"))
        self.assertRegex(notes[0].body, "24 (hours|horas)")  # in the language of the staff member who wrote
        self.assertRegex(notes[1].body, "Sent on WhatsApp|Enviado por WhatsApp")
        self.assertEqual(notes.mapped("author_id"), self.bot)
        self.assertEqual(notes.mapped("parent_id"), reply.message_id)
        with self.assertRaises(ValidationError):
            report(updates=[{"key": key, "state": "delivered"}])

    def test_only_staff_who_may_edit_the_case_reply(self):
        for user in (self.user, self.manager, self.approver):
            self.reply(user, body=f"hola de {user.login}")
        self.assertEqual(len(self.case.whatsapp_message_ids), 3)
        with self.assertRaises(AccessError):
            self.reply(self.outsider)
        with self.assertRaises(AccessError):
            self.case.with_user(self.integration)._whatsapp_request_reply("hola")
        other_company = self.env["res.company"].create({"name": "Otra agencia"})
        foreign = self._create_case(neon_id=770_002, whatsapp_contact="+5215500000001", company_id=other_company.id)
        with self.assertRaises(AccessError):
            foreign.with_user(self.user)._whatsapp_request_reply("hola")

    def test_a_reply_needs_a_whatsapp_conversation_and_a_message(self):
        counter_case = self._create_case(whatsapp_contact="+5215500000001")  # opened at the counter
        with self.assertRaises(UserError):
            counter_case.with_user(self.user)._whatsapp_request_reply("hola")
        no_number = self._create_case(neon_id=770_003)
        with self.assertRaises(UserError):
            no_number.with_user(self.user)._whatsapp_request_reply("hola")
        with self.assertRaises(UserError):
            self.case.with_user(self.user)._whatsapp_request_reply("   ")
        with self.assertRaises(UserError):
            self.case.with_user(self.user)._whatsapp_request_reply("x" * 1601)
        self.assertFalse(self.case.whatsapp_message_ids)

    def test_the_wizard_says_whether_the_24_hour_window_is_open(self):
        Wizard = self.env["postventa.whatsapp.reply"].with_user(self.user)
        closed = Wizard.create({"case_id": self.case.id, "body": "x"}).window_note
        self.mirror(self.inbound(at=fields.Datetime.to_string(fields.Datetime.now() - timedelta(hours=1))))
        opened = Wizard.create({"case_id": self.case.id, "body": "x"}).window_note
        self.assertRegex(closed, "approved reply template|plantilla de respuesta aprobada")
        self.assertRegex(opened, "within the last 24 hours|escribió en las últimas 24 horas")
        self.assertNotEqual(opened, closed)
        with self.assertRaises(AccessError):  # only the mirror says when the customer wrote
            self.case.with_user(self.user).write({"whatsapp_last_inbound_at": fields.Datetime.now()})
