# Runs inside `odoo-bin shell` (env is given): times postventa.case.action_evaluate_warranty over
# N cases in one batch call versus one call per case, on the same data, and prints JSON lines.
# Time and queries count everything the call costs: evaluation, flush and what Odoo writes at
# commit (cr.precommit: mail tracking, followers). Mail tracking is on, as for users and the cron.
# One by one runs at most ONE_BY_ONE_MAX cases and is scaled linearly beyond (marked "extrapolated").
import json
import os
import time

from dateutil.relativedelta import relativedelta

from odoo import fields

SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "100,1000,10000").split(",")]
ONE_BY_ONE_MAX = int(os.environ.get("BENCH_ONE_BY_ONE_MAX", "1000"))
env = env(context=dict(env.context))  # noqa: F821 - provided by odoo-bin shell
quiet = env(context=dict(env.context, tracking_disable=True))  # only to build the data fast
today = fields.Date.today()
system = env.ref("postventa.system_electrical")
faults = env["postventa.fault"].create([
    {"code": f"BENCH-{i}", "name": f"Bench {i}", "system_id": system.id,
     "evidence_type_ids": [fields.Command.set(env.ref("postventa.evidence_odometer_photo").ids)]}
    for i in range(4)
])


def make_cases(count, serial):
    vehicles = quiet["postventa.vehicle"].create([
        {"vin": f"JTDBR32E2{serial + i:08d}", "model_name": "Corolla",
         "powertrain": "hybrid" if i % 3 == 0 else "gasoline",
         "delivery_date": today - relativedelta(months=(i % 6) * 10 + 1) if i % 7 else False}
        for i in range(count)
    ])
    cases = quiet["postventa.case"].create([
        {"vehicle_id": v.id, "fault_id": faults[i % 4].id, "odometer_km": 1000 + (i * 7919) % 150000}
        for i, v in enumerate(vehicles)
    ])
    cases.action_mark_evidence_provided()
    env.flush_all()
    env.cr.precommit.run()
    return cases.with_env(env)


def timed(fn):
    """Seconds and queries of ``fn`` plus the flush and the commit-time work it leaves behind."""
    env.flush_all()
    env.cr.precommit.run()
    queries = env.cr.sql_log_count
    start, cpu = time.perf_counter(), time.process_time()
    fn()
    env.flush_all()
    env.cr.precommit.run()
    return time.perf_counter() - start, env.cr.sql_log_count - queries, time.process_time() - cpu


serial = 10_000_000
timed(make_cases(5, serial - 10)[:5].action_evaluate_warranty)  # warm the caches
for size in SIZES:
    batch_cases = make_cases(size, serial)
    serial += size
    sample = min(size, ONE_BY_ONE_MAX)
    single_cases = make_cases(sample, serial)
    serial += sample
    batch_s, batch_q, batch_cpu = timed(batch_cases.action_evaluate_warranty)
    single_s, single_q, _cpu = timed(lambda cases=single_cases: [case.action_evaluate_warranty() for case in cases])
    scale = size / sample
    same = [c.warranty_status for c in batch_cases[:sample]] == [c.warranty_status for c in single_cases]
    print("BENCH " + json.dumps({
        "cases": size, "batch_s": round(batch_s, 3), "batch_cpu_s": round(batch_cpu, 3), "batch_queries": batch_q,
        "one_by_one_s": round(single_s * scale, 3), "one_by_one_queries": round(single_q * scale),
        "extrapolated": scale > 1, "ratio": round(single_s * scale / batch_s, 1), "same_outcomes": same,
        "outcomes": {s: batch_cases.mapped("warranty_status").count(s) for s in ("eligible", "review", "no_eligible")},
    }), flush=True)
env.cr.rollback()
