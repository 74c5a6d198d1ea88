# Runs inside `odoo-bin shell` (env is given): the follow-up agents' daily pass over N vehicles with ~10
# odometer readings each (data written with SQL, like a migrated dealer), timed with its query count,
# next to a naive per-vehicle ORM loop measured on a sample and extrapolated. Prints JSON lines.
import json
import os
import time
from datetime import timedelta

from odoo.addons.postventa_followup.engine import rules

VEHICLES = int(os.environ.get("BENCH_VEHICLES", "100000"))
READINGS = int(os.environ.get("BENCH_READINGS_PER_VEHICLE", "10"))
SAMPLE = int(os.environ.get("BENCH_NAIVE_SAMPLE", "200"))
env = env(context=dict(env.context, tracking_disable=True, mail_create_nolog=True))  # noqa: F821 - odoo shell
cr = env.cr
agent = env["postventa.agent"].sudo()
company = env.company
partners = env["res.partner"].create([{"name": f"Bench {i}"} for i in range(VEHICLES // 10)])
env["postventa.whatsapp.contact"].create([
    {"name": f"+52155{i:08d}", "partner_id": p.id} for i, p in enumerate(partners)
])
env.flush_all()
first_partner = partners[0].id
# Vehicles delivered over the last 3 years, each with its own km/day (5..150), readings spread up to today.
cr.execute("""
    INSERT INTO postventa_vehicle (vin, model_name, powertrain, company_id, partner_id, delivery_date, active,
                                   odometer_km, create_date, write_date, create_uid, write_uid)
    SELECT 'BENCH' || lpad(g::text, 12, '0'), CASE WHEN g %% 3 = 0 THEN 'Hilux' ELSE 'Corolla' END, 'gasoline',
           %s, %s + (g %% %s), current_date - (30 * %s + (g * 7919) %% 800), true, 0, now(), now(), 1, 1
      FROM generate_series(1, %s) g
""", (company.id, first_partner, len(partners), READINGS, VEHICLES))
cr.execute("""
    INSERT INTO postventa_odometer (vehicle_id, company_id, date, value_km, source, create_date, write_date,
                                    create_uid, write_uid)
    SELECT v.id, v.company_id, v.delivery_date + r * (current_date - v.delivery_date) / %s,
           (r * (current_date - v.delivery_date) / %s * (5 + (v.id * 31) %% 146))::int,
           -- a workshop service every 6th reading (about every 6 months), the customer's readings between
           CASE WHEN r %% 6 = 0 THEN 'service' ELSE 'whatsapp' END, now(), now(), 1, 1
      FROM postventa_vehicle v CROSS JOIN generate_series(1, %s) r
     WHERE v.vin LIKE 'BENCH%%'
""", (READINGS + 1, READINGS + 1, READINGS))
cr.execute("ANALYZE postventa_vehicle; ANALYZE postventa_odometer")
cr.execute("SELECT count(*) FROM postventa_vehicle WHERE vin LIKE 'BENCH%%'")
n_vehicles = cr.fetchone()[0]
cr.execute("SELECT count(*) FROM postventa_odometer")
n_readings = cr.fetchone()[0]
cr.execute("SELECT now() AT TIME ZONE 'UTC'")
db_now = cr.fetchone()[0]
# noon in the dealer's zone (quiet hours allow messages), whatever time the bench runs
now = db_now.replace(hour=18, minute=0, second=0, microsecond=0)
env.invalidate_all()


def timed(fn):
    env.flush_all()
    queries, start = cr.sql_log_count, time.perf_counter()
    result = fn()
    env.flush_all()
    return time.perf_counter() - start, cr.sql_log_count - queries, result


first_s, first_q, first = timed(lambda: agent._run_agents(now=now))
second_s, second_q, second = timed(lambda: agent._run_agents(now=now))
predict_s, predict_q, due = timed(lambda: agent._agent_maintenance(agent._agent_context(now)))


def naive(vehicles, ctx):
    """What a first version would do: per vehicle, read its readings and services, look the key up."""
    horizon = ctx["today"] + timedelta(days=company.postventa_followup_due_days)
    found = 0
    for vehicle in vehicles:
        readings = vehicle.odometer_ids.sorted("date")
        services = readings.filtered(lambda r: r.source == "service")
        p = rules.predict_next_service(
            today=ctx["today"], delivery_date=vehicle.delivery_date,
            first_reading=(readings[0].date, readings[0].value_km) if readings else None,
            last_reading=(readings[-1].date, readings[-1].value_km) if readings else None,
            last_service=(services[-1].date, services[-1].value_km) if services else None,
            interval_km=10000, interval_months=6)
        if p and p.due_date <= horizon:
            key = f"service.due:{vehicle.id}:{p.milestone_km}"
            found += not env["postventa.followup"].search_count([("name", "=", key)])
        env.invalidate_all()  # a loop over 100,000 records does not keep them all in cache
    return found


sample = env["postventa.vehicle"].search([("vin", "=like", "BENCH%")], limit=SAMPLE)
naive_s, naive_q, _ = timed(lambda: naive(sample, agent._agent_context(now)))
scale = n_vehicles / max(1, len(sample))
print("BENCH " + json.dumps({
    "vehicles": n_vehicles, "readings": n_readings,
    "first_run_s": round(first_s, 2), "first_run_queries": first_q, "first_run_actions": first,
    "second_run_s": round(second_s, 2), "second_run_queries": second_q, "second_run_actions": second,
    "maintenance_pass_s": round(predict_s, 2), "maintenance_pass_queries": predict_q,
    "due_actions": len(due),
    "naive_sample": len(sample), "naive_sample_s": round(naive_s, 2), "naive_sample_queries": naive_q,
    "naive_extrapolated_s": round(naive_s * scale, 1), "naive_extrapolated_queries": int(naive_q * scale),
}))
env.cr.rollback()
