"""Warranty evaluation benchmark: the batch method vs one call per case, in real Odoo 19.

Creates a fresh database with `postventa` installed (no demo), times
``postventa.case.action_evaluate_warranty`` on 100, 1,000 and 10,000 cases in one call and the same
cases evaluated one call each (at most 1,000, scaled linearly beyond), counting time and queries
including the flush and what Odoo writes at commit (mail tracking, followers), prints the ratio and
the extra queries per extra case, and drops the database.

    .venv/bin/python bench/bench_warranty.py [--sizes 100,1000,10000]
"""

from __future__ import annotations

import argparse
import itertools
import sys

from odoo_harness import NoOdoo, run_shell_bench


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000")
    args = parser.parse_args()
    try:
        install, rows = run_shell_bench("bench_warranty", "postventa", "odoo_warranty_shell.py",
                                        {"BENCH_SIZES": args.sizes})
    except NoOdoo as skipped:
        print(skipped)
        return 0
    if not rows:
        return 1
    print(f"warranty evaluation in Odoo {install.version} (real ORM, Postgres on this machine):")
    print("time and queries include the flush and the commit-time work (mail tracking, followers); "
          "* = one by one measured on 1,000 cases and scaled")
    print("cpu = the Odoo process's CPU time for the batch call (wall time grows with the machine's load)")
    print(f"{'cases':>8} {'batch (s)':>10} {'cpu (s)':>8} {'queries':>8} {'one by one (s)':>15} {'queries':>9}"
          f" {'ratio':>7}  same outcomes  outcomes")
    for row in rows:
        star = "*" if row["extrapolated"] else " "
        print(f"{row['cases']:>8} {row['batch_s']:>10.2f} {row['batch_cpu_s']:>8.2f} {row['batch_queries']:>8}"
              f" {row['one_by_one_s']:>14.2f}{star}"
              f" {row['one_by_one_queries']:>9} {row['ratio']:>6.1f}x  {row['same_outcomes']!s:>13}  {row['outcomes']}")
    for small, large in itertools.pairwise(rows):
        extra = (large["batch_queries"] - small["batch_queries"]) / (large["cases"] - small["cases"])
        print(f"extra queries per extra case, {small['cases']} -> {large['cases']}: {extra:.3f}")
    return 0 if all(r["same_outcomes"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
