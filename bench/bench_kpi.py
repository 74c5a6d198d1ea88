"""After-sales metrics benchmark: postventa.kpi.compute_kpis (SQL aggregates) vs a naive ORM loop, real Odoo 19.

Creates a fresh database with `postventa_metrics` installed (no demo), fills one company with 100,000
cases and 20,000 warranty tickets (plus decisions, quotes and 20,000 spare-part move lines) over the last
year, times ``compute_kpis`` over that year (best of 3) and the same numbers computed by looping over
ORM records, checks both agree, prints the ratio, and drops the database.

    .venv/bin/python bench/bench_kpi.py [--cases 100000] [--tickets 20000] [--keep-db NAME]
"""

from __future__ import annotations

import argparse
import json
import sys

from odoo_harness import NoOdoo, run_shell_bench

BUDGET_S = 1.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--moves", type=int, default=20_000)
    parser.add_argument("--db", help="use this existing database with postventa_metrics installed (kept)")
    args = parser.parse_args()
    try:
        install, rows = run_shell_bench(
            "bench_kpi", "postventa_metrics", "odoo_kpi_shell.py",
            {"BENCH_CASES": str(args.cases), "BENCH_TICKETS": str(args.tickets), "BENCH_MOVES": str(args.moves)},
            db=args.db)
    except NoOdoo as skipped:
        print(skipped)
        return 0
    if not rows:
        return 1
    row = rows[0]
    print(f"after-sales metrics in Odoo {install.version}, one year, {row['cases']:,} cases, "
          f"{row['tickets']:,} tickets, {row['move_lines']:,} part move lines:")
    print(f"  compute_kpis (SQL aggregates, best of 3): {row['sql_s']:.3f} s  (budget {BUDGET_S:.0f} s)")
    print(f"  naive ORM loop:                           {row['naive_s']:.3f} s")
    print(f"  ratio: {row['ratio']:.1f}x   same numbers: {row['same']}")
    print("  " + json.dumps(row["answer"], ensure_ascii=False))
    if not row["same"]:
        print("  naive: " + json.dumps(row["naive"], ensure_ascii=False))
    return 0 if row["same"] else 1


if __name__ == "__main__":
    sys.exit(main())
