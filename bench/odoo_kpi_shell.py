# Runs inside `odoo-bin shell` (env is given): fills one company with BENCH_CASES cases and BENCH_TICKETS
# warranty tickets (plus decisions, quotes and part moves) in bulk SQL, then times
# postventa.kpi.compute_kpis (SQL aggregates) against a naive ORM loop computing the same numbers,
# and prints one JSON line. Everything is rolled back at the end.
import json
import os
import time
from datetime import timedelta

from odoo import fields

from odoo.addons.postventa_metrics import kpi

CASES = int(os.environ.get("BENCH_CASES", "100000"))
TICKETS = int(os.environ.get("BENCH_TICKETS", "20000"))
MOVES = int(os.environ.get("BENCH_MOVES", "20000"))
env = env(context=dict(env.context, tracking_disable=True, tz="UTC"))  # noqa: F821 - provided by odoo-bin shell
cr = env.cr
company = env.company
partner = company.partner_id.id
system = env.ref("postventa.system_electrical")
faults = env["postventa.fault"].create([{"code": f"BK-{i}", "name": f"Bench {i}", "system_id": system.id}
                                        for i in range(4)])
parts = env["product.product"].create([{"name": f"Refacción bench {i}", "type": "consu", "is_storable": True,
                                        "postventa_is_part": True} for i in range(3)])
warehouse = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
internal = warehouse.lot_stock_id.id
customer = env.ref("stock.stock_location_customers").id
supplier = env.ref("stock.stock_location_suppliers").id
uom = parts[0].uom_id.id
env.flush_all()
params = {"company": company.id, "n": CASES, "tickets": TICKETS, "moves": MOVES, "partner": partner,
          "f": faults.ids, "p": parts.ids, "internal": internal, "customer": customer, "supplier": supplier,
          "uom": uom, "uid": env.uid}
cr.execute("""
    INSERT INTO postventa_vehicle (vin, model_name, powertrain, company_id, active)
    SELECT 'BENCHVIN' || lpad(i::text, 9, '0'), (ARRAY['Corolla', 'Hilux', 'RAV4', 'Yaris'])[1 + i %% 4],
           'gasoline', %(company)s, true
      FROM generate_series(1, 2000) i;
    INSERT INTO postventa_case (name, company_id, state, warranty_status, fault_id, vehicle_id, user_id,
                                create_date, date_done)
    SELECT 'BENCH/' || i, %(company)s,
           CASE WHEN i %% 3 = 0 THEN 'done' WHEN i %% 17 = 0 THEN 'cancelled' ELSE 'evaluated' END,
           'pending', (%(f)s::int[])[1 + i %% 4],
           (SELECT min(id) FROM postventa_vehicle WHERE vin LIKE 'BENCHVIN%%') + i %% 2000, %(uid)s,
           now() AT TIME ZONE 'UTC' - make_interval(days => i %% 360, hours => i %% 24),
           CASE WHEN i %% 3 = 0 OR i %% 17 = 0
                THEN now() AT TIME ZONE 'UTC' - make_interval(days => i %% 360, hours => i %% 24)
                     + make_interval(hours => 1 + i %% 300) END
      FROM generate_series(1, %(n)s) i;
    INSERT INTO postventa_warranty_decision (case_id, company_id, outcome, create_date)
    SELECT c.id, c.company_id, (ARRAY['eligible', 'review', 'no_eligible'])[1 + c.id %% 3],
           c.create_date + interval '1 hour'
      FROM postventa_case c WHERE c.name LIKE 'BENCH/%%';
    UPDATE postventa_case c SET decision_id = d.id FROM postventa_warranty_decision d
     WHERE d.case_id = c.id AND c.name LIKE 'BENCH/%%';
    INSERT INTO sale_order (name, company_id, partner_id, partner_invoice_id, partner_shipping_id, date_order,
                            picking_policy, state, postventa_case_id)
    SELECT 'BENCH-SO/' || c.id, c.company_id, %(partner)s, %(partner)s, %(partner)s, c.create_date, 'direct',
           (ARRAY['sale', 'cancel', 'draft', 'sale'])[1 + c.id %% 4], c.id
      FROM postventa_case c JOIN postventa_warranty_decision d ON d.id = c.decision_id
     WHERE c.name LIKE 'BENCH/%%' AND d.outcome = 'no_eligible' AND c.id %% 2 = 0;
    INSERT INTO postventa_warranty_ticket (name, case_id, company_id, state, fault_id, parts_cost, labor_cost,
                                           total_cost, create_date)
    SELECT 'BENCH-GT/' || c.id, c.id, c.company_id, 'open', c.fault_id, (c.id %% 50) * 100.25, 700 * (1 + c.id %% 3),
           (c.id %% 50) * 100.25 + 700 * (1 + c.id %% 3), c.create_date + interval '2 hours'
      FROM postventa_case c WHERE c.name LIKE 'BENCH/%%' ORDER BY c.id LIMIT %(tickets)s;
    INSERT INTO stock_move_line (company_id, product_id, product_uom_id, location_id, location_dest_id, date, state,
                                 quantity, quantity_product_uom)
    SELECT %(company)s, (%(p)s::int[])[1 + i %% 3], %(uom)s,
           CASE WHEN i %% 3 = 0 THEN %(supplier)s ELSE %(internal)s END,
           CASE WHEN i %% 3 = 0 THEN %(internal)s ELSE %(customer)s END,
           now() AT TIME ZONE 'UTC' - make_interval(days => i %% 400, mins => i %% 600), 'done',
           CASE WHEN i %% 3 = 0 THEN 10 ELSE 3 END, CASE WHEN i %% 3 = 0 THEN 10 ELSE 3 END
      FROM generate_series(1, %(moves)s) i;
    ANALYZE postventa_case; ANALYZE postventa_warranty_decision; ANALYZE sale_order;
    ANALYZE postventa_warranty_ticket; ANALYZE stock_move_line;
""", params)
env.invalidate_all()

today = fields.Date.context_today(env["postventa.kpi"])
date_from, date_to = today - timedelta(days=364), today
start, end = kpi.utc_bounds(date_from, date_to, "UTC")


def percentile(values, p):
    """Linear interpolation between closest ranks (PostgreSQL percentile_cont)."""
    if not values:
        return None
    values = sorted(values)
    pos = p * (len(values) - 1)
    low = int(pos)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (pos - low)


def naive():
    """The obvious ORM way: search the records, loop over them in Python."""
    Case = env["postventa.case"]
    numerator = denominator = 0
    for case in Case.search([("company_id", "=", company.id), ("decision_id", "!=", False)]):
        decision = case.decision_id
        if decision.outcome == "no_eligible" and start <= decision.create_date < end:
            denominator += 1
            numerator += any(order.state == "sale" for order in case.postventa_sale_ids)
    hours = [max(0.0, (c.date_done - c.create_date).total_seconds() / 3600)
             for c in Case.search([("company_id", "=", company.id), ("state", "=", "done")])
             if start <= c.date_done < end]
    out = before = until_end = 0.0
    for line in env["stock.move.line"].search([("company_id", "=", company.id), ("state", "=", "done"),
                                               ("product_id.postventa_is_part", "=", True)]):
        src, dst, q = line.location_id.usage, line.location_dest_id.usage, line.quantity_product_uom
        signed = q if dst == "internal" and src != "internal" else -q if src == "internal" and dst != "internal" else 0
        if line.date < end:
            until_end += signed
            if line.date < start:
                before += signed
            elif src == "internal" and dst == "customer":
                out += q
    tickets = [t for t in env["postventa.warranty.ticket"].search([("company_id", "=", company.id)])
               if start <= t.create_date < end]
    return kpi.result(
        date_from, date_to, company.currency_id.name,
        attach=kpi.attach_rate(numerator, denominator),
        resolution=kpi.resolution_hours(len(hours), sum(hours) / len(hours) if hours else None,
                                        percentile(hours, 0.5), percentile(hours, 0.9)),
        stock=kpi.stock_rotation(out, before, until_end, (date_to - date_from).days + 1),
        warranty=kpi.warranty_cost(len(tickets), sum(t.parts_cost for t in tickets),
                                   sum(t.labor_cost for t in tickets), company.currency_id.round),
    )


Kpi = env["postventa.kpi"]
sql_times = []
for _ in range(3):
    env.invalidate_all()
    started = time.perf_counter()
    answer = Kpi.compute_kpis(date_from.isoformat(), date_to.isoformat())
    sql_times.append(time.perf_counter() - started)
env.invalidate_all()
started = time.perf_counter()
slow = naive()
naive_s = time.perf_counter() - started
print("BENCH " + json.dumps({
    "cases": CASES, "tickets": TICKETS, "move_lines": MOVES, "sql_s": round(min(sql_times), 4),
    "naive_s": round(naive_s, 3), "ratio": round(naive_s / min(sql_times), 1), "same": answer == slow,
    "answer": answer, "naive": slow,
}), flush=True)
cr.rollback()
