from odoo import fields, models


class PostventaEvidenceType(models.Model):
    _name = "postventa.evidence.type"
    _description = "Evidence Type"
    _order = "sequence, name"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True, help="Stable identifier shared with the WhatsApp channel.")
    media_kind = fields.Selection(
        [("photo", "Photo"), ("video", "Video"), ("audio", "Audio"), ("document", "Document")],
        required=True,
        default="photo",
    )
    instructions = fields.Text(translate=True, help="What the customer is asked to send.")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)

    _code_uniq = models.Constraint("UNIQUE(code)", "The evidence code must be unique.")
