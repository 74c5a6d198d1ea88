"""Benchmark of the spare-parts flow on a real Odoo 19 (``addons/postventa_purchase``).

1. Quote generation for 500 cases: one batch call (``cases._postventa_create_quotes()``) vs one call per case.
2. Part lookup over 50,000 parts with 4 aftermarket equivalents each (200,000 equivalence rows): normalized,
   transitive lookup (``postventa.part.equivalence._postventa_closure`` + templates), the whole ``/spareparts``
   answer, and, for scale, the same lookup without the normalized index (regexp over every row). Target: a
   lookup under 20 ms.

It creates its own database (``pvp_bench_<random>``, postventa_purchase without demo data), runs the measures
inside ``odoo-bin shell`` and drops the database (``--keep`` keeps it; ``--db NAME`` reuses one that already has
the module). The 50,000 bench parts are inserted with plain SQL (creating them through the ORM would take
minutes and is not what is measured); cases, quotes and lookups go through the ORM like users do.

    python3 bench/bench_quotes.py [--cases 500] [--parts 50000] [--lookups 300] [--keep] [--db NAME]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

INNER = r"""
import json, random, statistics, time
from odoo import Command, fields

CASES, PARTS, LOOKUPS = %(cases)d, %(parts)d, %(lookups)d
rnd = random.Random(20261126)
env = env(context=dict(env.context, tracking_disable=True, mail_create_nolog=True, mail_notrack=True))
cr = env.cr
out = {"cases": CASES, "parts": PARTS, "equivalents_per_part": 4}

def ms(seconds):
    return round(seconds * 1000.0, 3)

# ---------------------------------------------------------------- quote data (through the ORM)
suppliers = env["res.partner"].create([
    {"name": f"Proveedor bench {i}", "is_company": True, "postventa_is_parts_supplier": True,
     "postventa_reliability": 0.75 + 0.05 * i} for i in range(5)])
system = env["postventa.vehicle.system"].search([], limit=1)
faults, parts_by_fault = [], []
for f in range(30):
    oem = env["product.product"].create([
        {"name": f"Parte bench {f}-{p}", "type": "consu", "is_storable": True, "list_price": 500.0 + 10 * p,
         "postventa_is_part": True, "postventa_is_oem": True, "postventa_part_number": f"9{f:04d}-{p:05d}"}
        for p in range(3)])
    equivalents = env["product.product"].create([
        {"name": f"Equivalente bench {f}-{p}-{e}", "type": "consu", "is_storable": True, "list_price": 300.0,
         "postventa_is_part": True, "postventa_part_number": f"EQ{f}{p}{e}X"} for p in range(3) for e in range(2)])
    env["postventa.part.equivalence"].create([
        {"product_tmpl_id": oem[p].product_tmpl_id.id, "brand": "Bench", "part_number": f"EQ{f}{p}{e}X",
         "equivalent_tmpl_id": equivalents[p * 2 + e].product_tmpl_id.id} for p in range(3) for e in range(2)])
    env["product.supplierinfo"].create([
        {"partner_id": s.id, "product_tmpl_id": prod.product_tmpl_id.id, "price": 200.0 + 37 * ((i + f) %% 7),
         "delay": 1 + (i * 2 + f) %% 9, "postventa_stock_qty": 5 + i}
        for prod in oem | equivalents for i, s in enumerate(suppliers)])
    faults.append(env["postventa.fault"].create({
        "code": f"BENCH-{f:03d}", "name": f"Falla bench {f}", "system_id": system.id,
        "severity": ("low", "medium", "high", "critical")[f %% 4], "labor_hours": 1.5,
        "part_ids": [Command.set(oem.ids)]}))
partner = env["res.partner"].create({"name": "Cliente bench"})
cases = env["postventa.case"].create([
    {"partner_id": partner.id, "fault_id": faults[i %% len(faults)].id, "odometer_km": 120000}
    for i in range(2 * CASES)])
env.flush_all()
batch_cases, single_cases = cases[:CASES], cases[CASES:]

env.invalidate_all()
t0 = time.perf_counter()
orders = batch_cases._postventa_create_quotes()
env.flush_all()
t_batch = time.perf_counter() - t0
env.invalidate_all()
t0 = time.perf_counter()
for case in single_cases:
    case._postventa_create_quotes()
env.flush_all()
t_single = time.perf_counter() - t0
out["quotes"] = {
    "orders": len(orders), "lines": len(orders.order_line),
    "batch_s": round(t_batch, 3), "one_by_one_s": round(t_single, 3),
    "batch_ms_per_case": ms(t_batch / CASES), "one_by_one_ms_per_case": ms(t_single / CASES),
    "speedup_batch_vs_one_by_one": round(t_single / t_batch, 2) if t_batch else None,
}

# ---------------------------------------------------------------- 50,000 parts x 4 equivalents (plain SQL)
uom = env.ref("uom.product_uom_unit").id
t0 = time.perf_counter()
cr.execute('''
    INSERT INTO product_template (name, type, uom_id, tracking, service_tracking, active, sale_ok, purchase_ok,
                                  is_storable, postventa_is_part, postventa_is_oem, postventa_brand,
                                  postventa_part_number, postventa_part_number_norm)
    SELECT jsonb_build_object('en_US', 'Bench part ' || g), 'consu', %%(uom)s, 'none', 'no', true, true, true,
           true, true, true, 'Toyota', lpad(g::text, 5, '0') || '-' || lpad((g * 7 %%%% 99991)::text, 5, '0'),
           lpad(g::text, 5, '0') || lpad((g * 7 %%%% 99991)::text, 5, '0')
      FROM generate_series(1, %%(n)s) g
    RETURNING id''', {"uom": uom, "n": PARTS})
tmpl_ids = [r[0] for r in cr.fetchall()]
cr.execute('''INSERT INTO product_product (product_tmpl_id, active, default_code, combination_indices)
              SELECT id, true, postventa_part_number, '' FROM product_template WHERE id = ANY(%%s)''', [tmpl_ids])
cr.execute('''
    INSERT INTO postventa_part_equivalence (product_tmpl_id, source_number_norm, brand, part_number,
                                            part_number_norm, quality_grade, active, sequence)
    SELECT t.id, t.postventa_part_number_norm, b.brand, b.brand || '-' || t.id || '-' || b.k,
           upper(b.brand) || t.id || b.k, 'standard', true, b.k * 10
      FROM product_template t
      CROSS JOIN (VALUES ('Bosch', 1), ('Wagner', 2), ('Brembo', 3), ('Interfil', 4)) AS b(brand, k)
     WHERE t.id = ANY(%%s)''', [tmpl_ids])
# A second hop for 10%% of the parts: an aftermarket-to-aftermarket cross reference (transitive lookups).
cr.execute('''
    INSERT INTO postventa_part_equivalence (product_tmpl_id, source_number_norm, brand, part_number,
                                            part_number_norm, quality_grade, active, sequence)
    SELECT t.id, 'BOSCH' || t.id || '1', 'Raybestos', 'R-' || t.id, 'R' || t.id, 'economy', true, 50
      FROM product_template t WHERE t.id = ANY(%%s) AND t.id %%%% 10 = 0''', [tmpl_ids])
cr.execute("ANALYZE product_template; ANALYZE postventa_part_equivalence; ANALYZE product_product")
env.invalidate_all()
out["part_data_load_s"] = round(time.perf_counter() - t0, 2)
cr.execute("SELECT count(*) FROM postventa_part_equivalence")
out["equivalence_rows"] = cr.fetchone()[0]

sample = rnd.sample(tmpl_ids, LOOKUPS)
cr.execute("SELECT id, postventa_part_number FROM product_template WHERE id = ANY(%%s)", [sample])
numbers = dict(cr.fetchall())
queries = []
for i, tid in enumerate(sample):
    kind = i %% 4
    if kind == 0:
        queries.append((numbers[tid], tid))                       # 04465-02220
    elif kind == 1:
        queries.append((numbers[tid].replace("-", " "), tid))     # 04465 02220
    elif kind == 2:
        queries.append((f"bosch-{tid}-1".upper(), tid))           # aftermarket -> Toyota
    else:
        queries.append((f"r {tid}" if tid %% 10 == 0 else f"WAGNER{tid}2", tid))  # 2 hops when possible

Equivalence = env["postventa.part.equivalence"]
def lookup(number):
    return Equivalence._postventa_templates_for(Equivalence._postventa_closure([number]))

timings, misses = [], 0
for number, tid in queries:
    env.invalidate_all()
    t0 = time.perf_counter()
    found = lookup(number)
    timings.append(time.perf_counter() - t0)
    misses += tid not in found.ids
def stats(values):
    values = sorted(values)
    return {"median_ms": ms(statistics.median(values)), "p95_ms": ms(values[int(len(values) * 0.95) - 1]),
            "max_ms": ms(values[-1])}
out["lookup"] = {"n": len(queries), "misses": misses, **stats(timings)}

Product = env["product.product"]
timings = []
for number, _tid in queries[:100]:
    env.invalidate_all()
    t0 = time.perf_counter()
    Product.postventa_spareparts(part_number=number)
    timings.append(time.perf_counter() - t0)
out["spareparts_call"] = {"n": len(timings), **stats(timings)}

# The same question without the normalized, indexed column: normalize every row at query time.
timings = []
for number, _tid in queries[:20]:
    t0 = time.perf_counter()
    cr.execute('''SELECT id FROM product_template
                   WHERE regexp_replace(upper(postventa_part_number), '[^0-9A-Z]', '', 'g')
                         = regexp_replace(upper(%%s), '[^0-9A-Z]', '', 'g')''', [number])
    cr.fetchall()
    timings.append(time.perf_counter() - t0)
out["unindexed_direct_match"] = {"n": len(timings), **stats(timings)}
out["index_speedup_median"] = round(out["unindexed_direct_match"]["median_ms"] / out["lookup"]["median_ms"], 1)
cr.rollback()
print("BENCH_RESULT=" + json.dumps(out))
"""


def odoo_env() -> dict[str, str]:
    out = subprocess.run([sys.executable, str(REPO / "scripts" / "odoo_env.py")], capture_output=True, text=True)
    values = dict(line.split("=", 1) for line in out.stdout.splitlines() if "=" in line)
    if values.get("ODOO_FOUND") != "1":
        sys.exit("Odoo 19 not found (scripts/odoo_env.py)")
    return values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=500)
    parser.add_argument("--parts", type=int, default=50_000)
    parser.add_argument("--lookups", type=int, default=300)
    parser.add_argument("--db", help="reuse a database that has postventa_purchase installed")
    parser.add_argument("--keep", action="store_true", help="do not drop the database created here")
    args = parser.parse_args()
    env = odoo_env()
    base = [env["ODOO_PYTHON"], env["ODOO_BIN"], f"--addons-path={env['ODOO_ADDONS']}"]
    db = args.db or f"pvp_bench_{uuid.uuid4().hex[:8]}"
    created = False
    try:
        if not args.db:
            t0 = time.perf_counter()
            subprocess.run([*base, "-d", db, "-i", "postventa_purchase", "--stop-after-init", "--no-http",
                            "--log-level=warn"], check=True)
            created = True
            print(f"database {db}: postventa_purchase installed in {time.perf_counter() - t0:.0f} s")
        inner = INNER % {"cases": args.cases, "parts": args.parts, "lookups": args.lookups}
        t0 = time.perf_counter()
        run = subprocess.run([*base, "shell", "-d", db, "--no-http", "--log-level=warn"], input=inner,
                             capture_output=True, text=True)
        line = next((x for x in run.stdout.splitlines() if x.startswith("BENCH_RESULT=")), None)
        if not line:
            sys.stderr.write(run.stdout[-4000:] + run.stderr[-4000:])
            sys.exit("benchmark failed")
        result = json.loads(line.split("=", 1)[1])
        print(f"measured in {time.perf_counter() - t0:.0f} s")
    finally:
        if created and not args.keep:
            subprocess.run(["dropdb", "-h", "127.0.0.1", "--if-exists", db], check=False)
    q, lk, sp, un = result["quotes"], result["lookup"], result["spareparts_call"], result["unindexed_direct_match"]
    print(f"\nQuote generation, {q['orders']} cases ({q['lines']} lines):")
    print(f"  one batch call : {q['batch_s']:8.2f} s  ({q['batch_ms_per_case']:.1f} ms/case)")
    print(f"  one by one     : {q['one_by_one_s']:8.2f} s  ({q['one_by_one_ms_per_case']:.1f} ms/case)")
    print(f"  batch speed-up : {q['speedup_batch_vs_one_by_one']}x")
    print(f"\nPart lookup over {result['parts']:,} parts, {result['equivalence_rows']:,} equivalence rows "
          f"(loaded in {result['part_data_load_s']} s):")
    print(f"  normalized + transitive lookup: median {lk['median_ms']} ms, p95 {lk['p95_ms']} ms, "
          f"max {lk['max_ms']} ms over {lk['n']} lookups ({lk['misses']} misses) — target < 20 ms: "
          f"{'OK' if lk['p95_ms'] < 20 else 'MISSED'}")
    print(f"  full /spareparts answer       : median {sp['median_ms']} ms, p95 {sp['p95_ms']} ms")
    print(f"  without the normalized index  : median {un['median_ms']} ms (direct match only) — "
          f"index speed-up {result['index_speedup_median']}x")
    print("\n" + json.dumps(result))


if __name__ == "__main__":
    main()
