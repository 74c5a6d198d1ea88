"""Policy what-if benchmark: replaying 100,000 stored decisions, bulk vs a naive per-decision ORM loop.

Creates a fresh database with `postventa` installed (no demo), evaluates a seed of real cases through
``action_evaluate_warranty``, copies their decisions in SQL up to the target count, then times
``postventa.warranty.policy.simulate`` (inputs read in one query, the plain-Python engine) against one
ORM browse + ``_to_engine`` + evaluate per decision (timed on a sample, extrapolated), prints the ratio
and drops the database. The issue's budget: 100,000 decisions in at most 10 s.

    .venv/bin/python bench/bench_whatif.py [--decisions 100000] [--naive-sample 5000]
"""

from __future__ import annotations

import argparse
import sys

from odoo_harness import NoOdoo, run_shell_bench


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2_000, help="real cases evaluated through the ORM")
    parser.add_argument("--naive-sample", type=int, default=5_000)
    args = parser.parse_args()
    try:
        install, rows = run_shell_bench("bench_whatif", "postventa", "odoo_whatif_shell.py",
                                        {"BENCH_DECISIONS": str(args.decisions), "BENCH_SEED": str(args.seed),
                                         "BENCH_NAIVE": str(args.naive_sample)})
    except NoOdoo as skipped:
        print(skipped)
        return 0
    if not rows:
        return 1
    row = rows[0]
    print(f"policy what-if in Odoo {install.version} (real ORM, Postgres on this machine):")
    # Wall time depends on how busy the machine is; the Odoo process's CPU time does not (Postgres's own
    # time is in the wall figure only). The budget (10 s) is wall time on an otherwise idle machine.
    print(f"  simulate(): {row['decisions']:,} decisions replayed in {row['bulk_s']:.2f} s wall, "
          f"{row['bulk_cpu_s']:.2f} s CPU (one query + plain-Python engine; budget 10 s)")
    print(f"  naive ORM loop: {row['naive_sample']:,} decisions in {row['naive_s']:.2f} s wall, "
          f"{row['naive_cpu_s']:.2f} s CPU "
          f"-> {row['naive_extrapolated_s']:.0f} s for {row['decisions']:,} (extrapolated); "
          f"{row['naive_same']:,}/{row['naive_sample']:,} outcomes reproduced")
    print(f"  ratio: {row['ratio']:.1f}x (wall), "
          f"{row['naive_cpu_s'] / max(row['naive_sample'], 1) * row['decisions'] / row['bulk_cpu_s']:.1f}x (CPU)")
    return 0 if row["naive_same"] == row["naive_sample"] else 1


if __name__ == "__main__":
    sys.exit(main())
