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
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import odoo_env  # noqa: E402

BUDGET_S = 1.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--moves", type=int, default=20_000)
    parser.add_argument("--db", help="use this existing database with postventa_metrics installed (kept)")
    args = parser.parse_args()
    install, reasons = odoo_env.find()
    if not install:
        print("bench_kpi: SKIPPED — no Odoo 19 found: " + "; ".join(reasons))
        return 0
    db = args.db or f"pv_bench_kpi_{int(time.time())}"
    base = [f"--addons-path={install.addons_path}", "-d", db, "--log-level=warn", "--http-port=0",
            "--max-cron-threads=0"]
    try:
        if not args.db:
            subprocess.run([str(install.python), str(install.odoo_bin), *base, "-i", "postventa_metrics",
                            "--stop-after-init"], check=True, capture_output=True)
        out = subprocess.run(
            [str(install.python), str(install.odoo_bin), "shell", *base],
            input=(ROOT / "bench" / "odoo_kpi_shell.py").read_text(encoding="utf-8"), text=True,
            capture_output=True, check=False,
            env=dict(os.environ, BENCH_CASES=str(args.cases), BENCH_TICKETS=str(args.tickets),
                     BENCH_MOVES=str(args.moves)),
        )
    finally:
        if not args.db:
            subprocess.run(["dropdb", "--if-exists", db], check=False)
    rows = [json.loads(line[6:]) for line in out.stdout.splitlines() if line.startswith("BENCH ")]
    if not rows:
        print(out.stdout[-2000:], out.stderr[-4000:])
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
