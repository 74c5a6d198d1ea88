from odoo import api, fields, models


class PostventaCase(models.Model):
    _inherit = "postventa.case"

    visit_ids = fields.One2many("postventa.service.visit", "case_id", string="Service Visits")

    @api.model_create_multi
    def create(self, vals_list):
        cases = super().create(vals_list)
        with_contact = cases.filtered("whatsapp_contact")
        if with_contact:
            self.env["postventa.whatsapp.contact"]._ensure(
                with_contact.mapped("whatsapp_contact"),
                {c.whatsapp_contact: c.partner_id.id for c in with_contact if c.partner_id},
            )
        return cases

    def action_done(self):
        """A closed repair case counts as a service visit (the CSAT agent asks about it)."""
        open_before = self.filtered(lambda c: c.state != "done")
        result = super().action_done()
        with_vehicle = open_before.filtered(lambda c: c.vehicle_id and not c.visit_ids)
        self.env["postventa.service.visit"].create([
            {"vehicle_id": case.vehicle_id.id, "case_id": case.id, "company_id": case.company_id.id,
             "odometer_km": case.odometer_km or case.vehicle_id.odometer_km, "service_type": "repair",
             "work_done": case.fault_id.name or case.description or False, "advisor_id": case.user_id.id,
             "state": "done", "done_at": fields.Datetime.now()}
            for case in with_vehicle
        ])
        return result
