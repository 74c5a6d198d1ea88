from odoo import fields, models


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    postventa_sha256 = fields.Char(string="SHA-256", index="btree_not_null", readonly=True)
    postventa_evidence_kind = fields.Char(string="Evidence Kind", readonly=True)
