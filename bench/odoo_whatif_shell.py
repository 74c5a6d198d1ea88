# Runs inside `odoo-bin shell` (env is given): policy what-if over BENCH_DECISIONS stored decisions.
# Real decisions come from action_evaluate_warranty on BENCH_SEED cases; they are then copied in SQL
# (benchmark data only) up to the target count. Times policy.simulate() (one query + plain-Python engine)
# against a naive per-decision ORM loop (browse, read inputs, policy._to_engine(), evaluate), and prints
# JSON lines. Everything is rolled back.
import json
import os
import time

from dateutil.relativedelta import relativedelta

from odoo import fields

from odoo.addons.postventa.engine import replay

TARGET = int(os.environ.get("BENCH_DECISIONS", "100000"))
SEED = int(os.environ.get("BENCH_SEED", "2000"))
NAIVE = int(os.environ.get("BENCH_NAIVE", "5000"))
env = env(context=dict(env.context, tracking_disable=True))  # noqa: F821 - provided by odoo-bin shell
today = fields.Date.today()
system = env.ref("postventa.system_electrical")
faults = env["postventa.fault"].create([
    {"code": f"WHATIF-{i}", "name": f"Bench {i}", "system_id": system.id,
     "evidence_type_ids": [fields.Command.set(env.ref("postventa.evidence_odometer_photo").ids)]}
    for i in range(4)
])
vehicles = env["postventa.vehicle"].create([
    {"vin": f"JTDBR32E2{20_000_000 + i:08d}", "model_name": "Corolla",
     "powertrain": "hybrid" if i % 3 == 0 else "gasoline",
     "delivery_date": today - relativedelta(months=(i % 8) * 7 + 1) if i % 11 else False}
    for i in range(SEED)
])
cases = env["postventa.case"].create([
    {"vehicle_id": v.id, "fault_id": faults[i % 4].id, "odometer_km": 1000 + (i * 7919) % 150000}
    for i, v in enumerate(vehicles)
])
cases.action_mark_evidence_provided()
cases.action_evaluate_warranty()
env.flush_all()
# Copies: every copy is a decision of another case (the simulation replays one decision per case).
copies = TARGET - SEED
if copies > 0:
    env.cr.execute("""
        INSERT INTO postventa_case (name, company_id, state, warranty_status, priority, create_date, write_date)
        SELECT 'BENCH/' || n, %s, 'evaluated', 'pending', '0', now(), now() FROM generate_series(1, %s) n
        RETURNING id
    """, (env.company.id, copies))
    extra_ids = [row[0] for row in env.cr.fetchall()]
    env.cr.execute("""
        INSERT INTO postventa_warranty_decision
               (case_id, vehicle_id, fault_id, company_id, outcome, reasons, reason_text, reason_codes, policy_id,
                policy_version, coverage_code, coverage_expires_on, km_limit, inputs, user_id, is_override,
                create_uid, create_date, write_uid, write_date)
        SELECT c.id, d.vehicle_id, d.fault_id, d.company_id, d.outcome, d.reasons, d.reason_text, d.reason_codes,
               d.policy_id, d.policy_version, d.coverage_code, d.coverage_expires_on, d.km_limit, d.inputs,
               d.user_id, false, d.create_uid, d.create_date, d.write_uid, d.write_date
          FROM unnest(%s::int[]) WITH ORDINALITY AS c(id, n)
          JOIN (SELECT *, row_number() OVER (ORDER BY id) - 1 AS k FROM postventa_warranty_decision
                 WHERE case_id = ANY(%s)) d ON d.k = (c.n - 1) %% %s
    """, (extra_ids, cases.ids, SEED))
env.invalidate_all()
policy = env["postventa.warranty.policy"]._get_current()
period = (today - relativedelta(months=12), today)

start, cpu = time.perf_counter(), time.process_time()
result = policy.simulate(*period)
bulk_s, bulk_cpu_s = time.perf_counter() - start, time.process_time() - cpu
assert result["unchanged"] == result["cases"], result

# The naive way: one decision at a time through the ORM, the policy converted each time.
Decision = env["postventa.warranty.decision"]
ids = Decision.search([("create_date", ">=", fields.Datetime.to_datetime(period[0]))], order="id").ids[:NAIVE]
env.invalidate_all()
start, cpu = time.perf_counter(), time.process_time()
same = 0
for decision_id in ids:
    decision = Decision.browse(decision_id)
    again = replay.facts_from_inputs(decision.inputs)
    outcome = replay.evaluate(decision.policy_id._to_engine(), again).outcome
    same += outcome == decision.outcome
    env.invalidate_all()  # what a loop of separate calls sees: nothing cached between decisions
naive_s, naive_cpu_s = time.perf_counter() - start, time.process_time() - cpu
print("BENCH " + json.dumps({
    "decisions": result["cases"], "bulk_s": round(bulk_s, 3), "bulk_cpu_s": round(bulk_cpu_s, 3),
    "naive_sample": len(ids), "naive_s": round(naive_s, 3), "naive_cpu_s": round(naive_cpu_s, 3), "naive_same": same,
    "naive_extrapolated_s": round(naive_s / max(len(ids), 1) * result["cases"], 1),
    "ratio": round(naive_s / max(len(ids), 1) * result["cases"] / bulk_s, 1),
}), flush=True)
env.cr.rollback()
