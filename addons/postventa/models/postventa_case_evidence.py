from odoo import fields, models


class PostventaCaseEvidence(models.Model):
    """One line of a case's evidence checklist: required by the fault, provided by an attachment."""

    _name = "postventa.case.evidence"
    _description = "Case Evidence"
    _order = "case_id, sequence, id"

    case_id = fields.Many2one("postventa.case", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="case_id.company_id", store=True)
    evidence_type_id = fields.Many2one("postventa.evidence.type", required=True, ondelete="restrict")
    code = fields.Char(related="evidence_type_id.code", store=True)
    sequence = fields.Integer(related="evidence_type_id.sequence")
    required = fields.Boolean(default=True, help="Required by the fault; otherwise sent spontaneously.")
    provided = fields.Boolean()
    provided_date = fields.Datetime()
    attachment_id = fields.Many2one("ir.attachment", ondelete="set null")

    _case_type_uniq = models.Constraint(
        "UNIQUE(case_id, evidence_type_id)", "Each evidence type appears once per case."
    )
