from psycopg2.errors import UniqueViolation

from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import PostventaCommon, make_vin


@tagged("post_install", "-at_install")
class TestVehicle(PostventaCommon):
    def test_vin_is_normalized_and_validated(self):
        vehicle = self._create_vehicle(vin=" jtdbr32e2 3007-7777 ")
        self.assertEqual(vehicle.vin, "JTDBR32E230077777")
        with self.assertRaisesRegex(ValidationError, "17"):
            self._create_vehicle(vin="JTDBR32E23001234")
        with self.assertRaisesRegex(ValidationError, "I, O"):
            self._create_vehicle(vin="JTDBR32E23001234O")

    def test_north_american_vin_needs_its_check_digit(self):
        good = make_vin(77, prefix="3TMCZ5AN0", north_american=True)
        self.assertEqual(self._create_vehicle(vin=good).vin, good)
        wrong_digit = "1" if good[8] != "1" else "2"
        bad = good[:8] + wrong_digit + good[9:]
        with self.assertRaisesRegex(ValidationError, "check digit"):
            self._create_vehicle(vin=bad)

    def test_vin_is_unique(self):
        self._create_vehicle(vin="JTDBR32E230099999")
        with mute_logger("odoo.sql_db"), self.assertRaises(UniqueViolation), self.cr.savepoint():
            self._create_vehicle(vin="jtdbr32e230099999")

    def test_odometer_cannot_go_back_unless_a_manager_corrects_it(self):
        vehicle = self._create_vehicle(readings=[(self.today.replace(day=1), 20_000)])
        Reading = self.env["postventa.odometer"]
        with self.assertRaisesRegex(ValidationError, "cannot go back"):
            Reading.with_user(self.user).create({"vehicle_id": vehicle.id, "value_km": 19_000})
        with self.assertRaisesRegex(ValidationError, "Only a warranty manager"):
            Reading.with_user(self.user).create(
                {"vehicle_id": vehicle.id, "value_km": 19_000, "source": "correction", "note": "cluster cambiado"}
            )
        with self.assertRaisesRegex(ValidationError, "needs a note"):
            Reading.with_user(self.manager).create({"vehicle_id": vehicle.id, "value_km": 19_000,
                                                    "source": "correction"})
        Reading.with_user(self.manager).create(
            {"vehicle_id": vehicle.id, "value_km": 19_000, "source": "correction", "note": "tablero reemplazado"}
        )
        self.assertEqual(vehicle.odometer_km, 19_000)
        Reading.with_user(self.user).create({"vehicle_id": vehicle.id, "value_km": 25_000})
        self.assertEqual(vehicle.odometer_km, 25_000)

    def test_delivery_emits_vehicle_delivered_once(self):
        Event = self.env["postventa.event"]
        vehicle = self._create_vehicle(months_ago=None)
        self.assertFalse(Event.search([("event_type", "=", "vehicle.delivered"), ("res_id", "=", vehicle.id)]))
        vehicle.delivery_date = self.today
        vehicle.delivery_date = self.today  # same value again: no second event
        events = Event.search([("event_type", "=", "vehicle.delivered"), ("res_id", "=", vehicle.id),
                               ("res_model", "=", "postventa.vehicle")])
        self.assertEqual(len(events), 1)
        self.assertEqual(events.subject, f"vehicle/{vehicle.vin}")
        self.assertEqual(events.data["delivery_date"], str(self.today))

    def test_find_by_vin_or_plate(self):
        vehicle = self._create_vehicle(plate="abc-123-a")
        Vehicle = self.env["postventa.vehicle"]
        self.assertEqual(Vehicle._find_by_vin_or_plate(vin=vehicle.vin.lower()), vehicle)
        self.assertEqual(Vehicle._find_by_vin_or_plate(plate=" ABC-123-A"), vehicle)
        self.assertFalse(Vehicle._find_by_vin_or_plate(plate="ZZZ-999"))
