from odoo import fields, models

DIRECTIONS = [("inbound", "From the customer"), ("outbound", "To the customer")]
ORIGINS = [("customer", "Customer"), ("bot", "WhatsApp assistant"), ("staff", "Staff")]
STATES = [
    ("received", "Received"),
    ("pending", "Waiting for the bridge"),
    ("queued", "Queued for sending"),
    ("held", "Held"),
    ("sent", "Sent"),
    ("failed", "Not sent"),
]
# A reply only moves forward; "held" goes to "sent" once the customer writes again.
REPLY_STATE_RANK = {"pending": 0, "queued": 1, "held": 2, "sent": 3, "failed": 3}


class PostventaWhatsappMessage(models.Model):
    """One WhatsApp message of a case: the ledger behind the chatter mirror and staff replies.

    Mirrored messages are keyed on Twilio's MessageSid (``wa_sid``), so the bridge may send the same
    message twice (a retry, a second sync runner) and the chatter shows it once. A staff reply is keyed
    on ``reply_key`` (a UUID fixed when it is written): the bridge queues it once in its WhatsApp outbox
    and reports how it went (docs/odoo-bridge-contract.md). Written only by the bridge methods and the
    reply wizard, after they checked the caller; staff read it.
    """

    _name = "postventa.whatsapp.message"
    _description = "WhatsApp Message"
    _order = "message_date desc, id desc"
    _rec_name = "body"

    case_id = fields.Many2one("postventa.case", required=True, readonly=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="case_id.company_id", store=True, index=True)
    direction = fields.Selection(DIRECTIONS, required=True, readonly=True)
    origin = fields.Selection(ORIGINS, required=True, readonly=True)
    wa_sid = fields.Char(string="Twilio Message SID", readonly=True, copy=False)
    reply_key = fields.Char(readonly=True, copy=False)
    message_id = fields.Many2one("mail.message", string="Chatter Message", readonly=True, ondelete="set null")
    body = fields.Text(readonly=True)
    attachment_count = fields.Integer(string="Files", readonly=True)
    state = fields.Selection(STATES, required=True, readonly=True, default="received")
    error = fields.Char(string="Reason", readonly=True)
    user_id = fields.Many2one("res.users", string="Written by", readonly=True)
    message_date = fields.Datetime(string="Date", readonly=True, default=fields.Datetime.now)
    sent_via_template = fields.Boolean(string="Sent as Template", readonly=True)

    _wa_sid_uniq = models.UniqueIndex("(wa_sid) WHERE wa_sid IS NOT NULL",
                                      "This WhatsApp message is already in the chatter.")
    _reply_key_uniq = models.UniqueIndex("(reply_key) WHERE reply_key IS NOT NULL", "Reply keys are unique.")
