"""Follow-up agents benchmark: the daily pass over 100,000 vehicles and 1,000,000 odometer readings in real
Odoo 19, vs a naive per-vehicle ORM loop (measured on a sample, extrapolated).

Creates a database with `postventa_followup` installed (no demo) — or copies ``--template`` (a database
where `postventa_purchase` is installed, to save the install) — writes the fleet with SQL, times
``postventa.agent._run_agents`` (first run, then a second run that must take no action) and the naive loop,
prints the ratio, and drops the database.

    .venv/bin/python bench/bench_agents.py [--vehicles 100000] [--template DB]
"""

from __future__ import annotations

import argparse
import sys

from odoo_harness import NoOdoo, run_shell_bench


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vehicles", type=int, default=100_000)
    parser.add_argument("--readings", type=int, default=10, help="odometer readings per vehicle")
    parser.add_argument("--sample", type=int, default=200, help="vehicles the naive loop runs over")
    parser.add_argument("--template", help="copy this database instead of installing from scratch")
    args = parser.parse_args()
    try:
        install, rows = run_shell_bench(
            "bench_agents", "postventa_followup", "odoo_agents_shell.py",
            {"BENCH_VEHICLES": str(args.vehicles), "BENCH_READINGS_PER_VEHICLE": str(args.readings),
             "BENCH_NAIVE_SAMPLE": str(args.sample)}, template=args.template)
    except NoOdoo as skipped:
        print(skipped)
        return 0
    if not rows:
        return 1
    r = rows[0]
    print(f"follow-up agents in Odoo {install.version} (real ORM, Postgres on this machine):")
    print(f"  fleet: {r['vehicles']:,} vehicles, {r['readings']:,} odometer readings")
    print(f"  daily pass, first run : {r['first_run_s']:>7.2f} s  {r['first_run_queries']:>6} queries  "
          f"actions {r['first_run_actions']}")
    print(f"  daily pass, second run: {r['second_run_s']:>7.2f} s  {r['second_run_queries']:>6} queries  "
          f"actions {r['second_run_actions']}")
    print(f"  maintenance prediction only: {r['maintenance_pass_s']:.2f} s, {r['maintenance_pass_queries']} queries, "
          f"{r['due_actions']} candidate actions")
    print(f"  naive per-vehicle loop: {r['naive_sample_s']:.2f} s / {r['naive_sample_queries']} queries for "
          f"{r['naive_sample']} vehicles -> ~{r['naive_extrapolated_s']:.0f} s / "
          f"~{r['naive_extrapolated_queries']:,} queries for {r['vehicles']:,}")
    ratio = r["naive_extrapolated_s"] / max(r["second_run_s"], 0.01)
    print(f"  ratio naive / daily pass: {ratio:.1f}x")
    idle = all(v == 0 for v in r["second_run_actions"].values())
    print(f"  second run took no action: {idle}")
    return 0 if idle else 1


if __name__ == "__main__":
    sys.exit(main())
