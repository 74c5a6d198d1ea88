# Runs inside `odoo-bin shell` (env is given): times postventa.case.action_evaluate_warranty over
# N cases in one batch call versus one call per case, on the same data, and prints JSON lines.
import json
import os
import time

from dateutil.relativedelta import relativedelta

from odoo import fields

SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "1000,10000").split(",")]
env = env(context=dict(env.context, tracking_disable=True))  # noqa: F821 - provided by odoo-bin shell
today = fields.Date.today()
system = env.ref("postventa.system_electrical")
faults = env["postventa.fault"].create([
    {"code": f"BENCH-{i}", "name": f"Bench {i}", "system_id": system.id,
     "evidence_type_ids": [fields.Command.set(env.ref("postventa.evidence_odometer_photo").ids)]}
    for i in range(4)
])


def make_cases(count, serial):
    vehicles = env["postventa.vehicle"].create([
        {"vin": f"JTDBR32E2{serial + i:08d}", "model_name": "Corolla",
         "powertrain": "hybrid" if i % 3 == 0 else "gasoline",
         "delivery_date": today - relativedelta(months=(i % 6) * 10 + 1) if i % 7 else False}
        for i in range(count)
    ])
    cases = env["postventa.case"].create([
        {"vehicle_id": v.id, "fault_id": faults[i % 4].id, "odometer_km": 1000 + (i * 7919) % 150000}
        for i, v in enumerate(vehicles)
    ])
    cases.action_mark_evidence_provided()
    env.flush_all()
    return cases


def timed(fn):
    env.flush_all()
    start = time.perf_counter()
    fn()
    env.flush_all()
    return time.perf_counter() - start


serial = 10_000_000
for size in SIZES:
    batch_cases = make_cases(size, serial)
    serial += size
    single_cases = make_cases(size, serial)
    serial += size
    batch_s = timed(batch_cases.action_evaluate_warranty)
    single_s = timed(lambda cases=single_cases: [case.action_evaluate_warranty() for case in cases])
    same = [c.warranty_status for c in batch_cases] == [c.warranty_status for c in single_cases]
    print("BENCH " + json.dumps({
        "cases": size, "batch_s": round(batch_s, 3), "one_by_one_s": round(single_s, 3),
        "ratio": round(single_s / batch_s, 1), "same_outcomes": same,
        "outcomes": {s: batch_cases.mapped("warranty_status").count(s) for s in ("eligible", "review", "no_eligible")},
    }), flush=True)
env.cr.rollback()
