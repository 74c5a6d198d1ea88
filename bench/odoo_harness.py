"""The one harness of the benchmarks that run inside a real Odoo 19: find the installed Odoo
(scripts/odoo_env.py), install the modules on a throwaway database (or use a given one), feed a script to
``odoo-bin shell`` and collect the JSON rows it prints as ``BENCH {...}`` lines, then drop the database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import odoo_env  # noqa: E402


class NoOdoo(Exception):
    """No Odoo 19 on this machine: the benchmark says so and is skipped."""


def run_shell_bench(name: str, modules: str, script: str, env: dict[str, str], *, db: str | None = None,
                    template: str | None = None) -> tuple[object, list[dict]]:
    """Run ``bench/<script>`` in ``odoo-bin shell`` on a fresh database with ``modules`` installed (no demo).

    ``db``: an existing database with the modules installed, used as is and kept. ``template``: a database
    to copy instead of installing from scratch. Returns (the Odoo install, the ``BENCH`` rows); prints the
    shell's output tail and returns no rows when the script printed none. Raises ``NoOdoo`` without Odoo."""
    install, reasons = odoo_env.find()
    if not install:
        raise NoOdoo(f"{name}: SKIPPED — no Odoo 19 found: " + "; ".join(reasons))
    keep = db is not None
    db = db or f"pv_{name}_{int(time.time())}"
    common = [f"--addons-path={install.addons_path}", "-d", db, "--log-level=warn", "--http-port=0",
              "--max-cron-threads=0"]
    try:
        if not keep:
            if template:
                subprocess.run(["createdb", "-T", template, db], check=True)
            subprocess.run([str(install.python), str(install.odoo_bin), *common, "-i", modules, "--stop-after-init"],
                           check=True, capture_output=True)
        out = subprocess.run(
            [str(install.python), str(install.odoo_bin), "shell", *common],
            input=(ROOT / "bench" / script).read_text(encoding="utf-8"), text=True, capture_output=True,
            check=False, env=dict(os.environ, **env),
        )
    finally:
        if not keep:
            subprocess.run(["dropdb", "--if-exists", db], check=False)
    rows = [json.loads(line[6:]) for line in out.stdout.splitlines() if line.startswith("BENCH ")]
    if not rows:
        print(out.stdout[-2000:], out.stderr[-4000:])
    return install, rows
