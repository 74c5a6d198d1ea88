"""The case's WhatsApp conversation in its chatter, and staff replies sent back through the bridge.

Bridge -> Odoo: ``bridge_mirror_messages`` posts each WhatsApp message (inbound with the customer as
author, outbound with the "WhatsApp" author) as an internal note on the case, its media as attachments,
once per Twilio MessageSid. Odoo -> customer: the "Reply on WhatsApp" wizard stores a pending reply
(``postventa.whatsapp.message``, ``reply_key``), the bridge pulls it (``bridge_pull_replies``), queues it
in its WhatsApp outbox (24-hour window, or the approved template) and reports how it went
(``bridge_report_replies``); the chatter then says sent, held or not sent. docs/whatsapp.md.
"""

import base64
import re
import uuid
from datetime import datetime

from odoo import SUPERUSER_ID, Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import plaintext2html

from .postventa_case_bridge import file_problem, phone_key
from .postventa_whatsapp_message import REPLY_STATE_RANK

MAX_MIRROR_BATCH = 500
MAX_MEDIA = 10
MAX_BODY = 20_000
MAX_REPLY = 1_600  # Twilio's limit for one WhatsApp body
SID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9:_-]{1,79}$")
CONTACT_RE = re.compile(r"^whatsapp:\+[1-9]\d{6,14}$")
REPORT_STATES = ("queued", "held", "sent", "failed")
BOT_REF = "postventa:whatsapp"


class PostventaCase(models.Model):
    _inherit = "postventa.case"  # pylint: disable=consider-merging-classes-inherited

    whatsapp_message_ids = fields.One2many("postventa.whatsapp.message", "case_id", string="WhatsApp Messages")
    whatsapp_last_inbound_at = fields.Datetime(
        string="Customer's Last WhatsApp", readonly=True, copy=False,
        help="When the customer last wrote on WhatsApp (as mirrored by the bridge). Within 24 hours a reply "
             "goes out as free text; later only as the approved template.",
    )

    # --- staff -> customer ----------------------------------------------------------------------
    @api.private
    def _whatsapp_reply_blocker(self):
        """Why nobody may answer this case on WhatsApp, or False. The customer must have written to the
        dealer on WhatsApp about this case (their number is the signed sender the bridge saw: that is the
        conversation's consent) and the number must be known."""
        self.ensure_one()
        if not self.neon_id:
            return self.env._("This case did not come from WhatsApp: there is no conversation to answer.")
        if not self.whatsapp_contact:
            return self.env._("The customer has no known WhatsApp number.")
        return False

    @api.private
    def _whatsapp_request_reply(self, body):
        """A staff reply to the customer: posted in the chatter at once and queued for the bridge.

        Allowed to after-sales staff who may edit this case (record rules included); checked here, the
        ledger row is then written as superuser."""
        self.ensure_one()
        if not self.env.su and not self.env.user.has_group("postventa.group_postventa_user"):
            raise AccessError(self.env._("Only after-sales staff may answer customers on WhatsApp."))
        self.check_access("write")
        text = (body or "").strip()
        if not text:
            raise UserError(self.env._("Write the message first."))
        if len(text) > MAX_REPLY:
            raise UserError(self.env._("A WhatsApp message holds at most %(max)s characters.", max=MAX_REPLY))
        blocker = self._whatsapp_reply_blocker()
        if blocker:
            raise UserError(blocker)
        message = self.message_post(body=plaintext2html(text), message_type="comment", subtype_xmlid="mail.mt_note")
        return self.env["postventa.whatsapp.message"].sudo().create({
            "case_id": self.id, "direction": "outbound", "origin": "staff", "state": "pending",
            "reply_key": str(uuid.uuid4()), "message_id": message.id, "body": text, "user_id": self.env.user.id,
        })

    # --- bridge -> Odoo: the mirror -------------------------------------------------------------
    @api.model
    def bridge_mirror_messages(self, messages):
        """Post WhatsApp messages in their cases' chatter, once per ``sid`` (Twilio's MessageSid).

        ``messages``: ``[{"sid", "neon_id", "direction": "inbound|outbound", "contact_id", "body", "at",
        "profile_name", "media": [{"sha256", "filename", "content_type", "evidence_kind", "datas"}]}]``.
        Returns, in input order, ``{"sid", "id", "message_id", "created"}`` or ``{"sid", "error"}`` (the rest
        of the batch still goes through). Integration user only.
        """
        self._check_bridge_access()
        if not isinstance(messages, list):
            raise ValidationError(self.env._("messages must be a list."))
        if len(messages) > MAX_MIRROR_BATCH:
            raise ValidationError(self.env._("At most %(max)s messages per call.", max=MAX_MIRROR_BATCH))
        results, clean, seen = [None] * len(messages), [], set()
        for index, message in enumerate(messages):
            problem = self._wa_message_problem(message)
            if not problem and message["sid"] in seen:
                problem = "sid appears twice in this batch"
            if problem:
                sid = message.get("sid") if isinstance(message, dict) else None
                results[index] = {"sid": sid, "error": problem}
            else:
                seen.add(message["sid"])
                clean.append((index, message))
        Case = self.env["postventa.case"].sudo()
        cases = {c.neon_id: c for c in Case.search([("neon_id", "in", [int(m["neon_id"]) for _i, m in clean])])}
        self._wa_lock(list(cases.values()))
        Ledger = self.env["postventa.whatsapp.message"].sudo()
        existing = {r.wa_sid: r for r in Ledger.search([("wa_sid", "in", [m["sid"] for _i, m in clean])])}
        posting = []
        for index, message in clean:
            known = existing.get(message["sid"])
            if known:
                results[index] = {"sid": known.wa_sid, "id": known.id, "message_id": known.message_id.id or None,
                                  "created": False}
                continue
            case = cases.get(int(message["neon_id"]))
            if not case:
                results[index] = {"sid": message["sid"], "error": "no case with this neon_id yet"}
                continue
            posting.append((index, case, message))
        records = self._wa_post_mirrored([(case, message) for _i, case, message in posting])
        for (index, _case, _message), record in zip(posting, records, strict=True):
            results[index] = {"sid": record.wa_sid, "id": record.id, "message_id": record.message_id.id,
                              "created": True}
        return results

    @api.model
    def _wa_message_problem(self, message):
        if not isinstance(message, dict):
            return "message must be an object"
        sid = message.get("sid")
        if not isinstance(sid, str) or not SID_RE.match(sid):
            return "sid must be a Twilio MessageSid (letters, digits, ':', '_' or '-', at most 80)"
        neon_id = message.get("neon_id")
        if isinstance(neon_id, bool) or not isinstance(neon_id, int) or neon_id <= 0:
            return "neon_id must be a positive integer"
        if message.get("direction") not in ("inbound", "outbound"):
            return "direction must be inbound or outbound"
        body = message.get("body")
        if body is not None and (not isinstance(body, str) or len(body) > MAX_BODY):
            return f"body must be a string of at most {MAX_BODY} characters"
        contact = message.get("contact_id")
        if contact is not None and (not isinstance(contact, str) or not CONTACT_RE.match(contact)):
            return "contact_id must look like whatsapp:+5215512345678"
        if message.get("profile_name") is not None and not isinstance(message["profile_name"], str):
            return "profile_name must be a string"
        if message.get("at") is not None and self._wa_time(message["at"]) is None:
            return "at must be an ISO-8601 datetime"
        media = message.get("media") or []
        if not isinstance(media, list) or len(media) > MAX_MEDIA:
            return f"media must be a list of at most {MAX_MEDIA} files"
        for item in media:
            problem = file_problem(item, "media file", "media")
            if problem:
                return problem
            for key in ("filename", "content_type", "evidence_kind"):
                if item.get(key) is not None and not isinstance(item[key], str):
                    return f"media {key} must be a string"
        return None

    @api.model
    def _wa_time(self, value):
        try:
            parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return None
        if parsed.tzinfo:
            parsed = (parsed - parsed.utcoffset()).replace(tzinfo=None)  # Odoo keeps naive UTC
        return parsed

    @api.model
    def _wa_bot_partner(self):
        """Author of what the dealer's WhatsApp number sent (the assistant, delivery notes): an archived
        contact "WhatsApp", made on first use (a data record would be created before modules such as
        ``account`` add required columns to contacts)."""
        Partner = self.env["res.partner"].sudo().with_context(active_test=False)
        partner = Partner.search([("ref", "=", BOT_REF), ("active", "=", False)], limit=1)
        return partner or Partner.with_context(mail_create_nolog=True).create(
            {"name": "WhatsApp", "ref": BOT_REF, "active": False})

    @api.model
    def _wa_lock(self, cases):
        """Serialize mirrors of the same cases: a second runner posting the same messages at the same time
        hits a serialization failure here, and Odoo retries its call, which then finds them mirrored."""
        ids = sorted(c.id for c in cases)
        if ids:
            self.env.cr.execute(
                "UPDATE postventa_case SET whatsapp_last_inbound_at = whatsapp_last_inbound_at WHERE id IN "
                "(SELECT id FROM postventa_case WHERE id = ANY(%s) ORDER BY id FOR NO KEY UPDATE)", (ids,))

    @api.model
    def _wa_post_mirrored(self, items):
        """Mirror ``[(case, message)]``: the chatter notes, created in one batch, and their ledger rows.

        Notes written as superuser (the integration user is not internal, and Odoo only links attachments
        to messages of internal users) straight through ``_message_create``: a mirrored WhatsApp message is
        an internal note that notifies nobody, so ``message_post``'s per-message notification, follower and
        reply-to work (about 14 ms a message, the bulk of a busy conversation's Odoo time) is skipped. The
        notes carry what ``message_post`` would give a note: author and its address, date, attachments,
        the ``mail.mt_note`` subtype, the case's company."""
        if not items:
            return self.env["postventa.whatsapp.message"]
        note = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note")
        bot = self._wa_bot_partner()
        Case = self.env["postventa.case"].with_user(SUPERUSER_ID).with_context(
            mail_create_nosubscribe=True, mail_notrack=True)
        authors, values, ledger, last_inbound = {}, [], [], {}
        for case, message in items:
            case = Case.browse(case.id)
            inbound = message["direction"] == "inbound"
            if inbound:
                key = (case.id, message.get("contact_id"))
                if key not in authors:
                    authors[key] = case._wa_customer(message.get("contact_id"), message.get("profile_name"))
                author = authors[key]
            else:
                author = bot
            attachments = case._wa_attachments(message.get("media") or [])
            at = self._wa_time(message["at"]) if message.get("at") else fields.Datetime.now()
            text = message.get("body") or ""
            values.append({
                "model": case._name, "res_id": case.id, "body": plaintext2html(text) if text else "",
                "author_id": author.id, "email_from": author.email_formatted or False, "message_type": "comment",
                "subtype_id": note, "date": at, "attachment_ids": [Command.set(attachments.ids)],
                "record_company_id": (case.company_id or self.env.company).id, "email_add_signature": False,
            })
            ledger.append({
                "case_id": case.id, "direction": message["direction"], "origin": "customer" if inbound else "bot",
                "wa_sid": message["sid"], "body": text, "attachment_count": len(attachments),
                "state": "received" if inbound else "sent", "message_date": at,
            })
            if inbound:
                last_inbound[case.id] = max(at, last_inbound.get(case.id, at))
        posted = Case._message_create(values)
        for case_id, at in last_inbound.items():  # in SQL: a new write_date would send the case back for nothing
            self.env.cr.execute(
                "UPDATE postventa_case SET whatsapp_last_inbound_at = GREATEST(whatsapp_last_inbound_at, %s) "
                "WHERE id = %s", (at, case_id))
        self.env["postventa.case"].browse(list(last_inbound)).invalidate_recordset(["whatsapp_last_inbound_at"])
        for row, message in zip(ledger, posted, strict=True):
            row["message_id"] = message.id
        return self.env["postventa.whatsapp.message"].sudo().create(ledger)

    def _wa_customer(self, contact_id, profile_name=None):
        """The author of an inbound message: the case's customer (or a contact of their company) whose phone
        is the sender's, else the contact with that phone, else a new contact for it."""
        self.ensure_one()
        phone = (contact_id or "").removeprefix("whatsapp:") or (self.whatsapp_contact or "")
        key = phone_key(phone)
        customer = self.partner_id.sudo()
        people = customer | customer.commercial_partner_id | customer.commercial_partner_id.child_ids
        for person in people:
            if key and person.phone and phone_key(person.phone) == key:
                return person
        Partner = self.env["res.partner"].sudo()
        found = Partner.search([("phone", "=", phone)], limit=1) if phone else Partner
        if found:
            return found
        if customer and not key:
            return customer
        return Partner.with_context(mail_create_nolog=True).create({"name": profile_name or phone, "phone": phone})

    def _wa_attachments(self, media):
        """The message's files as the case's attachments: one per sha256 per case, shared with the evidence
        the sync pushes (``postventa_sha256``), so a photo is stored once whichever arrives first."""
        self.ensure_one()
        Attachment = self.env["ir.attachment"].sudo()
        found = Attachment
        for item in media:
            attachment = Attachment.search([("res_model", "=", self._name), ("res_id", "=", self.id),
                                            ("postventa_sha256", "=", item["sha256"])], limit=1)
            if not attachment and item.get("datas"):
                attachment = Attachment.create({
                    "name": item.get("filename") or item["sha256"][:12],
                    "raw": base64.b64decode(item["datas"]),
                    "mimetype": item.get("content_type") or "application/octet-stream",
                    "res_model": self._name, "res_id": self.id, "postventa_sha256": item["sha256"],
                    "postventa_evidence_kind": item.get("evidence_kind") or False,
                })
            found |= attachment
        return found

    # --- Odoo -> bridge: staff replies ----------------------------------------------------------
    @api.model
    def bridge_pull_replies(self, limit=100):
        """Staff replies waiting for the bridge, oldest first. The bridge queues each once (keyed on
        ``key``) and says so with ``bridge_report_replies``; until then a reply is returned again."""
        self._check_bridge_access()
        limit = max(1, min(int(limit or 100), 500))
        replies = self.env["postventa.whatsapp.message"].sudo().search(
            [("state", "=", "pending"), ("reply_key", "!=", False)], order="id", limit=limit)
        return [{
            "key": reply.reply_key, "neon_id": reply.case_id.neon_id or None, "odoo_id": reply.case_id.id,
            "case": reply.case_id.name, "body": reply.body, "at": self._bridge_ts(reply.create_date),
        } for reply in replies]

    @api.model
    def bridge_report_replies(self, updates):
        """How staff replies went: ``[{"key", "state": "queued|held|sent|failed", "error", "sid",
        "template": bool}]``. A reply only moves forward (held -> sent once the customer writes again);
        held, sent and failed are told in the chatter. Returns the number of replies that changed."""
        self._check_bridge_access()
        if not isinstance(updates, list) or len(updates) > MAX_MIRROR_BATCH:
            raise ValidationError(self.env._("updates must be a list of at most %(max)s items.",
                                             max=MAX_MIRROR_BATCH))
        for update in updates:
            if not isinstance(update, dict) or not isinstance(update.get("key"), str) \
                    or update.get("state") not in REPORT_STATES:
                raise ValidationError(self.env._("Each update needs a key and a state among %(states)s.",
                                                 states=", ".join(REPORT_STATES)))
            for key in ("error", "sid"):
                if update.get(key) is not None and not isinstance(update[key], str):
                    raise ValidationError(self.env._("%(key)s must be a string.", key=key))
        Ledger = self.env["postventa.whatsapp.message"].sudo()
        replies = {r.reply_key: r for r in Ledger.search([("reply_key", "in", [u["key"] for u in updates])])}
        changed = 0
        for update in updates:
            reply = replies.get(update["key"])
            if not reply or not reply._wa_apply_report(update):
                continue
            changed += 1
        return changed

    @api.model
    def _wa_status_note(self, reply):
        lang = reply.user_id.lang or self.env.lang
        env_ = self.with_context(lang=lang).env
        if reply.state == "sent":
            return env_._("Sent on WhatsApp (approved template).") if reply.sent_via_template \
                else env_._("Sent on WhatsApp.")
        if reply.state == "held":
            return env_._("Not sent yet: %(reason)s It goes out when the customer writes again.",
                          reason=reply._wa_reason(lang))
        return env_._("Not sent on WhatsApp: %(reason)s", reason=reply._wa_reason(lang))


class PostventaWhatsappMessage(models.Model):
    _inherit = "postventa.whatsapp.message"

    def _wa_apply_report(self, update):
        """Move a reply forward; tell the chatter when it was held, sent or refused. True if it changed."""
        self.ensure_one()
        state, error = update["state"], (update.get("error") or "")[:500] or False
        terminal = self.state in ("sent", "failed")
        if terminal or REPLY_STATE_RANK[state] < REPLY_STATE_RANK[self.state]:
            return False
        if state == self.state and error == self.error:
            return False
        vals = {"state": state, "error": error if state in ("held", "failed") else False}
        if state == "sent":
            vals["sent_via_template"] = bool(update.get("template"))
            if update.get("sid") and not self.search_count([("wa_sid", "=", update["sid"])]):
                vals["wa_sid"] = update["sid"]
        notify = state != self.state and state in ("held", "sent", "failed")
        self.write(vals)
        if notify:
            case = self.case_id.with_user(SUPERUSER_ID).with_context(mail_create_nosubscribe=True)
            case.message_post(body=case._wa_status_note(self), author_id=case._wa_bot_partner().id,
                              message_type="comment", subtype_xmlid="mail.mt_note",
                              parent_id=self.message_id.id or False)
        return True

    def _wa_reason(self, lang):
        """The bridge's reason, in words a dealer reads (the known ones translated)."""
        self.ensure_one()
        env_ = self.with_context(lang=lang).env
        error = self.error or ""
        if "24-hour window" in error:
            return env_._("the customer last wrote more than 24 hours ago and there is no approved WhatsApp "
                          "template for replies.")
        if "opted out" in error:
            return env_._("the customer asked not to receive WhatsApp messages (\"baja\").")
        if "never wrote" in error:
            return env_._("this WhatsApp number never wrote to the dealer.")
        return error or env_._("no reason given.")
