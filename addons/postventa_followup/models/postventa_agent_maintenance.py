from datetime import timedelta

from odoo import api, fields, models

from ..engine import rules

MAX_OVERDUE_DAYS = 30

# One pass over every delivered vehicle with an owner: odometer history and last service aggregated in SQL.
_VEHICLES = """
SELECT v.id, v.partner_id, v.delivery_date, lower(coalesce(v.model_name, '')) AS model, v.model_name, v.vin,
       v.plate,
       r.first_date, r.first_km, r.last_date, r.last_km, s.last_date AS service_date, s.last_km AS service_km
  FROM postventa_vehicle v
  LEFT JOIN (
        SELECT vehicle_id, min(date) AS first_date, min(value_km) AS first_km,
               max(date) AS last_date, max(value_km) AS last_km
          FROM postventa_odometer GROUP BY vehicle_id
       ) r ON r.vehicle_id = v.id
  LEFT JOIN (
        -- the last service: a workshop odometer reading (closing a visit writes one) or a visit the
        -- customer reported as done elsewhere ("ya lo hice")
        SELECT DISTINCT ON (vehicle_id) vehicle_id, date AS last_date, km AS last_km
          FROM (SELECT vehicle_id, date, value_km AS km, id FROM postventa_odometer WHERE source = 'service'
                UNION ALL
                SELECT vehicle_id, date, greatest(odometer_km, milestone_km), id FROM postventa_service_visit
                 WHERE state = 'done' AND service_type = 'customer_reported') services
         ORDER BY vehicle_id, date DESC, km DESC
       ) s ON s.vehicle_id = v.id
 WHERE v.active AND v.partner_id IS NOT NULL AND v.delivery_date IS NOT NULL AND v.company_id = %s
"""


# One file per agent on purpose (a new agent is a small file).
# pylint: disable=consider-merging-classes-inherited
class PostventaAgent(models.AbstractModel):
    _inherit = "postventa.agent"

    @api.private
    def _agents(self):
        return [*super()._agents(), ("maintenance", self._agent_maintenance)]

    @api.private
    def _agent_maintenance(self, ctx):
        """``service.due`` once per milestone + a reminder, for vehicles due within N days."""
        today = ctx["today"]
        horizon = today + timedelta(days=ctx["company"].postventa_followup_due_days)
        # a service overdue for longer is a lapsed customer (a win-back campaign, not a reminder): the daily
        # pass stays proportional to what is really due
        oldest = today - timedelta(days=MAX_OVERDUE_DAYS)
        schedules = self.env["postventa.maintenance.schedule"].sudo()._by_model()
        default = schedules.get("", (10000, 6))
        self.env.flush_all()
        self.env.cr.execute(_VEHICLES, (ctx["company"].id,))
        due = []
        for row in self.env.cr.dictfetchall():
            interval_km, interval_months = schedules.get(row["model"], default)
            prediction = rules.predict_next_service(
                today=today,
                delivery_date=row["delivery_date"],
                first_reading=(row["first_date"], row["first_km"]) if row["first_date"] else None,
                last_reading=(row["last_date"], row["last_km"]) if row["last_date"] else None,
                last_service=(row["service_date"], row["service_km"]) if row["service_date"] else None,
                interval_km=interval_km,
                interval_months=interval_months,
            )
            if prediction and oldest <= prediction.due_date <= horizon:
                due.append((row, prediction))
        # one prefetch set: the vehicles acted on are read together, at emit time
        vehicles = self.env["postventa.vehicle"].sudo().browse([row["id"] for row, _ in due])
        actions = []
        for (row, p), vehicle in zip(due, vehicles, strict=True):
            data = {
                "vehicle_id": row["id"], "vin": row["vin"], "plate": row["plate"] or None,
                "model": row["model_name"], "milestone_km": p.milestone_km,
                "due_date": fields.Date.to_string(p.due_date), "due_by": p.reason,
                "km_per_day": round(p.km_per_day, 1) if p.km_per_day is not None else None,
                "estimated_km": p.estimated_km,
            }
            base = f"{row['id']}:{p.milestone_km}"
            actions.append(rules.Action(key=f"service.due:{base}", agent="maintenance", event_type="service.due",
                                        record=vehicle, data=data, partner_id=row["partner_id"]))
            actions.append(rules.Action(
                key=f"reminder:{base}", agent="maintenance", event_type="followup.sent", record=vehicle,
                data=dict(data), message_kind="service_due", partner_id=row["partner_id"],
                contact_key=f"partner:{row['partner_id']}",
                template_vars={"1": f"{row['model_name']} {row['plate'] or row['vin']}",
                               "2": f"{p.milestone_km:,}", "3": fields.Date.to_string(p.due_date)},
                remember={"followup": {"kind": "service_due", "vehicle_id": row["id"],
                                       "milestone_km": p.milestone_km}},
            ))
        return actions
