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
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import odoo_env  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vehicles", type=int, default=100_000)
    parser.add_argument("--readings", type=int, default=10, help="odometer readings per vehicle")
    parser.add_argument("--sample", type=int, default=200, help="vehicles the naive loop runs over")
    parser.add_argument("--template", help="copy this database instead of installing from scratch")
    args = parser.parse_args()
    install, reasons = odoo_env.find()
    if not install:
        print("bench_agents: SKIPPED — no Odoo 19 found: " + "; ".join(reasons))
        return 0
    db = f"pv_bench_agents_{int(time.time())}"
    base = [str(install.python), str(install.odoo_bin), f"--addons-path={install.addons_path}", "-d", db,
            "--log-level=warn", "--http-port=0", "--max-cron-threads=0"]
    env = dict(os.environ, BENCH_VEHICLES=str(args.vehicles), BENCH_READINGS_PER_VEHICLE=str(args.readings),
               BENCH_NAIVE_SAMPLE=str(args.sample))
    try:
        if args.template:
            subprocess.run(["createdb", "-T", args.template, db], check=True)
        subprocess.run([*base, "-i", "postventa_followup", "--stop-after-init"], check=True, capture_output=True)
        script = (ROOT / "bench" / "odoo_agents_shell.py").read_text(encoding="utf-8")
        out = subprocess.run(
            [str(install.python), str(install.odoo_bin), "shell", f"--addons-path={install.addons_path}", "-d", db,
             "--log-level=warn", "--http-port=0", "--max-cron-threads=0"],
            input=script, text=True, capture_output=True, env=env, check=False,
        )
    finally:
        subprocess.run(["dropdb", "--if-exists", db], check=False)
    rows = [json.loads(line[6:]) for line in out.stdout.splitlines() if line.startswith("BENCH ")]
    if not rows:
        print(out.stdout[-2000:], out.stderr[-4000:])
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
