import json
import re

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests import new_test_user
from odoo.tests.common import TransactionCase
from odoo.tools.misc import file_path

from ..engine import vin as vin_rules


def make_vin(serial, prefix="JTDBR32E2", north_american=False):
    """A valid, unique VIN for tests (North American ones get their check digit)."""
    vin = f"{prefix}{serial:08d}"[:17]
    if north_american:
        vin = vin[:8] + vin_rules.check_digit(vin) + vin[9:]
    return vin


_TYPES = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "null": lambda v: v is None,
}


def schema_problems(schema, value, path="$"):
    """Check ``value`` against the JSON Schema keywords our schemas use (jsonschema is not in Odoo's venv;
    the bridge's pytest validates the same files with the real jsonschema)."""
    problems = []
    if "const" in schema and value != schema["const"]:
        problems.append(f"{path}: {value!r} != {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{path}: {value!r} not in {schema['enum']}")
    types = schema.get("type")
    if types:
        types = [types] if isinstance(types, str) else types
        if not any(_TYPES[t](value) for t in types):
            problems.append(f"{path}: {value!r} is not {types}")
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            problems.append(f"{path}: {value!r} does not match {schema['pattern']}")
        if len(value) < schema.get("minLength", 0):
            problems.append(f"{path}: shorter than {schema['minLength']}")
    if _TYPES["number"](value) and "minimum" in schema and value < schema["minimum"]:
        problems.append(f"{path}: {value} < {schema['minimum']}")
    if isinstance(value, dict):
        problems += [f"{path}.{key}: missing" for key in schema.get("required", []) if key not in value]
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                problems += schema_problems(sub, value[key], f"{path}.{key}")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            problems += schema_problems(schema["items"], item, f"{path}[{index}]")
    return problems


def load_schema(path):
    with open(file_path(path), encoding="utf-8") as fh:
        return json.load(fh)


class _Today:
    """``cls.today`` read afresh on every use: the date the code under test sees at that moment (a
    class that runs across midnight must not compare yesterday's date with today's)."""

    def __get__(self, instance, owner):
        return fields.Date.context_today(owner.env["postventa.case"])


class PostventaCommon(TransactionCase):
    """Factories and users shared by the postventa tests (data built through the ORM, like users do)."""

    today = _Today()

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, mail_create_nolog=True))
        cls.user = new_test_user(cls.env, "pv_user", groups="postventa.group_postventa_user", name="Asesor")
        cls.manager = new_test_user(
            cls.env, "pv_manager", groups="postventa.group_postventa_warranty_manager", name="Gerente Garantías"
        )
        cls.approver = new_test_user(
            cls.env, "pv_approver", groups="postventa.group_postventa_purchasing_approver", name="Compras"
        )
        cls.integration = new_test_user(
            cls.env, "pv_bridge", groups="postventa.group_postventa_integration", name="Bridge"
        )
        cls.outsider = new_test_user(cls.env, "pv_outsider", groups="base.group_user", name="Sin acceso")
        cls.system = cls.env["postventa.vehicle.system"]
        cls.evidence_type = cls.env["postventa.evidence.type"]
        cls.ev_odometer = cls.env.ref("postventa.evidence_odometer_photo")
        cls.ev_noise = cls.env.ref("postventa.evidence_noise_video")
        cls.sys_electrical = cls.env.ref("postventa.system_electrical")
        cls.sys_engine = cls.env.ref("postventa.system_engine")
        cls.sys_hybrid = cls.env.ref("postventa.system_hybrid")
        cls.sys_brakes = cls.env.ref("postventa.system_brakes")
        cls.partner = cls.env["res.partner"].create({"name": "Cliente Prueba", "phone": "+5215500000001"})
        cls.fault_electrical = cls._create_fault("T-ELE-1", cls.sys_electrical, evidence=cls.ev_odometer)
        cls.fault_engine = cls._create_fault("T-ENG-1", cls.sys_engine, evidence=cls.ev_odometer | cls.ev_noise)
        cls.fault_hybrid = cls._create_fault("T-HYB-1", cls.sys_hybrid, evidence=cls.ev_odometer)
        cls.fault_wear = cls._create_fault("T-BRK-1", cls.sys_brakes, evidence=cls.ev_odometer, wear=True)
        cls._vin_serial = 0

    @classmethod
    def _create_fault(cls, code, system, evidence=None, wear=False, **vals):
        return cls.env["postventa.fault"].create({
            "code": code,
            "name": f"Falla {code}",
            "system_id": system.id,
            "labor_hours": 2.0,
            "is_wear_item": wear,
            "evidence_type_ids": [fields.Command.set(evidence.ids if evidence else [])],
            **vals,
        })

    @classmethod
    def _last_covered_delivery(cls, months):
        """The latest-ending delivery date whose ``months`` of coverage still include today. Usually
        ``today - months``; on a day the earlier month lacks (29 Feb, 31st) that date's coverage ended
        yesterday, so the boundary is the day after it."""
        today = cls.today
        delivered = today - relativedelta(months=months)
        if delivered + relativedelta(months=months) < today:
            delivered += relativedelta(days=1)
        return delivered

    @classmethod
    def _create_vehicle(cls, months_ago=12, powertrain="gasoline", readings=(), **vals):
        cls._vin_serial += 1
        vehicle = cls.env["postventa.vehicle"].create({
            "vin": make_vin(cls._vin_serial),
            "model_name": "Corolla",
            "model_year": 2024,
            "powertrain": powertrain,
            "partner_id": cls.partner.id,
            "delivery_date": cls.today - relativedelta(months=months_ago) if months_ago is not None else False,
            **vals,
        })
        for when, km in readings:
            cls.env["postventa.odometer"].create({"vehicle_id": vehicle.id, "date": when, "value_km": km})
        return vehicle

    @classmethod
    def _create_case(cls, vehicle=None, fault=None, km=10_000, evidence_provided=True, **vals):
        case = cls.env["postventa.case"].create({
            "partner_id": cls.partner.id,
            "vehicle_id": vehicle.id if vehicle else False,
            "fault_id": fault.id if fault else False,
            "odometer_km": km,
            **vals,
        })
        if evidence_provided:
            case.action_mark_evidence_provided()
        return case
