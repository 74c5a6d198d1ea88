import json
from datetime import datetime, time, timedelta

import pytz

from odoo.addons.postventa.tests.common import load_schema, schema_problems
from odoo.addons.postventa_purchase.tests.common import PostventaPurchaseCommon

TZ = pytz.timezone("America/Mexico_City")


class FollowupCommon(PostventaPurchaseCommon):
    """Clocks come from the database (``now()``), never from literal dates."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.cr.execute("SELECT now() AT TIME ZONE 'UTC'")
        cls.db_now = cls.env.cr.fetchone()[0]
        cls.local_today = pytz.utc.localize(cls.db_now).astimezone(TZ).date()
        cls.agent = cls.env["postventa.agent"]
        cls.company = cls.env.company
        cls.company.write({"postventa_followup_tz": "America/Mexico_City", "postventa_followup_quiet_start": 9.0,
                           "postventa_followup_quiet_end": 20.0, "postventa_followup_cap_count": 2,
                           "postventa_followup_cap_days": 7, "postventa_followup_due_days": 14})
        cls._phone_serial = 0

    @classmethod
    def _at_local(cls, hour, days=0):
        """A UTC ``now`` (naive, as Odoo stores it) that is ``hour``:00 in the dealer's zone, ``days`` from today."""
        local = TZ.localize(datetime.combine(cls.local_today + timedelta(days=days), time(hour)))
        return local.astimezone(pytz.utc).replace(tzinfo=None)

    @classmethod
    def _customer(cls, consent="opted_in", name="Cliente Seguimiento"):
        cls._phone_serial += 1
        partner = cls.env["res.partner"].create({"name": f"{name} {cls._phone_serial}"})
        number = f"+52155{cls._phone_serial:08d}"
        cls.env["postventa.whatsapp.contact"].create({"name": number, "partner_id": partner.id, "consent": consent})
        return partner

    @classmethod
    def _vehicle(cls, partner, days_ago, readings=(), model="Corolla"):
        """``readings``: (days ago, km) from the customer (not services)."""
        vehicle = cls._create_vehicle(months_ago=None, partner_id=partner.id, model_name=model,
                                      delivery_date=cls.local_today - timedelta(days=days_ago))
        for ago, km in readings:
            cls.env["postventa.odometer"].create({"vehicle_id": vehicle.id, "value_km": km, "source": "whatsapp",
                                                  "date": cls.local_today - timedelta(days=ago)})
        return vehicle

    def _run(self, hour=12, days=0):
        return self.agent._run_agents(now=self._at_local(hour, days))

    def _ledger(self, prefix):
        return self.env["postventa.followup"].search([("name", "=like", f"{prefix}%")])

    def _events_for(self, record, event_type):
        return self.env["postventa.event"].search([("event_type", "=", event_type), ("res_model", "=", record._name),
                                                   ("res_id", "=", record.id)])

    def _assert_schema(self, events):
        for event in events:
            envelope = json.loads(json.dumps(event._to_cloudevent()))
            schema = load_schema(f"postventa/schemas/events/{event.event_type}.json")
            self.assertEqual(schema_problems(schema, envelope), [], event.event_type)
