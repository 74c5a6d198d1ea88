"""Warranty evaluation benchmark: the batch method vs one call per case, in real Odoo 19.

Creates a fresh database with `postventa` installed (no demo), times
``postventa.case.action_evaluate_warranty`` on 1,000 and 10,000 cases in one call and the same
number of cases evaluated one call each, prints the ratio, and drops the database.

    .venv/bin/python bench/bench_warranty.py [--sizes 1000,10000]
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
    parser.add_argument("--sizes", default="1000,10000")
    args = parser.parse_args()
    install, reasons = odoo_env.find()
    if not install:
        print("bench_warranty: SKIPPED — no Odoo 19 found: " + "; ".join(reasons))
        return 0
    db = f"pv_bench_{int(time.time())}"
    base = [str(install.python), str(install.odoo_bin), f"--addons-path={install.addons_path}", "-d", db,
            "--log-level=warn", "--http-port=0", "--max-cron-threads=0"]
    try:
        subprocess.run([*base, "-i", "postventa", "--stop-after-init"], check=True, capture_output=True)
        script = (ROOT / "bench" / "odoo_warranty_shell.py").read_text(encoding="utf-8")
        out = subprocess.run(
            [str(install.python), str(install.odoo_bin), "shell", f"--addons-path={install.addons_path}", "-d", db,
             "--log-level=warn", "--http-port=0", "--max-cron-threads=0"],
            input=script, text=True, capture_output=True, env=dict(os.environ, BENCH_SIZES=args.sizes), check=False,
        )
    finally:
        subprocess.run(["dropdb", "--if-exists", db], check=False)
    rows = [json.loads(line[6:]) for line in out.stdout.splitlines() if line.startswith("BENCH ")]
    if not rows:
        print(out.stdout[-2000:], out.stderr[-4000:])
        return 1
    print(f"warranty evaluation in Odoo {install.version} (real ORM, Postgres on this machine):")
    print(f"{'cases':>8} {'batch (s)':>10} {'one by one (s)':>15} {'ratio':>7}  same outcomes  outcomes")
    for row in rows:
        print(f"{row['cases']:>8} {row['batch_s']:>10.2f} {row['one_by_one_s']:>15.2f} {row['ratio']:>6.1f}x"
              f"  {row['same_outcomes']!s:>13}  {row['outcomes']}")
    return 0 if all(r["same_outcomes"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
