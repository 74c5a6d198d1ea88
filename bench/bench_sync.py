"""Sync benchmark: Neon -> Odoo batched (one ``bridge_upsert_cases`` call per 500 cases) vs naive
(one call per case), a no-change pass right after that sync (the overlap window re-read as ids + write
dates vs re-read in full), and a no-change pass over 100,000 cases.

    .venv/bin/python bench/bench_sync.py [--cases 10000] [--naive-sample 1000] [--steady 100000] [--fake]

Runs against a real Odoo 19 with ``addons/postventa`` when ``scripts/odoo_env.py`` finds one (a
fresh Odoo database is built first, ~1 min), otherwise (or with ``--fake``) against the in-memory
JSON-2 server of the tests, over real HTTP; the output says which. Both sides write to real
Postgres (fresh databases, dropped at the end). The naive design is the same code with a chunk of
one case; it is timed on ``--naive-sample`` cases (a full 10,000 one-call-per-case run against real
Odoo takes many minutes) and compared per case.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bridge.odoo import OdooClient  # noqa: E402
from bridge.sync import run_pass  # noqa: E402
from bridge.sync.logic import NO_CHATTER_CONTEXT  # noqa: E402
from bridge.sync.pool import worker_pool  # noqa: E402
from bridge.sync.push import push_cases  # noqa: E402
from bridge.sync.state import merge_state  # noqa: E402
from tests.odoo_server import FakeBackend, drop_db, fresh_neon_db, real_backend_or_reason  # noqa: E402


def add_cases(url: str, n: int, *, new_customers: float = 0.3) -> None:
    """``n`` cases from ``n * new_customers`` distinct WhatsApp numbers (Odoo creates one contact per
    new number), so a sample and the full run carry the same mix of new and returning customers."""
    customers = max(1, int(n * new_customers))
    with psycopg.connect(url) as conn:
        offset = conn.execute("SELECT nextval(pg_get_serial_sequence('cases', 'id'))").fetchone()[0]
        conn.execute(
            """INSERT INTO cases (contact_id, customer_name, plate, odo_km, falla_tipo, description)
               SELECT 'whatsapp:+52' || lpad((%s + g %% %s)::text, 11, '0'), 'Cliente ' || (g %% %s),
                      'BEN-' || g, 1000 + g, 'ENG-001', 'ruido al frenar ' || g
                 FROM generate_series(1, %s) g""",
            (offset, customers, customers, n),
        )


def push(url: str, backend, chunk: int, context: dict | None = None) -> tuple[float, int, int]:
    settings = backend.settings(url)
    pool = worker_pool(url, name="bench")
    try:
        with OdooClient(settings) as odoo:
            started = time.perf_counter()
            stats = push_cases(pool, odoo, media_dir="var/media", chunk_size=chunk, odoo_context=context)
            return time.perf_counter() - started, stats.pushed, stats.calls
    finally:
        pool.close()


def passes_after_sync(url: str, backend, rounds: int = 2) -> dict[str, tuple[float, dict]]:
    """No-change passes right after a sync: every case was written within the overlap window (10 min).
    The cheap re-read (stamps, then only what changed) vs the full re-read, alternated, best of ``rounds``."""
    settings = backend.settings(url)
    pool = worker_pool(url, name="bench")
    best: dict[str, tuple[float, dict]] = {}
    try:
        with OdooClient(settings) as odoo:
            run_pass(pool, odoo, settings)  # reads the sync's own writes back once: the cursor is now set
            for _ in range(rounds):
                for label, cheap in (("stamps", True), ("full", False)):
                    started = time.perf_counter()
                    counts = run_pass(pool, odoo, settings, overlap=timedelta(minutes=10), cheap_overlap=cheap)
                    elapsed = time.perf_counter() - started
                    if label not in best or elapsed < best[label][0]:
                        best[label] = (elapsed, counts["pull"])
    finally:
        pool.close()
    return best


def steady_pass(backend, n: int) -> tuple[float, float]:
    """A pass over ``n`` cases that are all in sync (marked so in Neon; Odoo has no news)."""
    url = fresh_neon_db()
    try:
        add_cases(url, n)
        settings = backend.settings(url)
        pool = worker_pool(url, name="bench")
        try:
            with OdooClient(settings) as odoo:
                server_time = odoo.call("postventa.case", "bridge_changes", since=None, limit=1)["server_time"]
                with pool.connection() as conn:
                    conn.execute("UPDATE cases SET odoo_pushed_rev = intake_rev, odoo_synced_at = now()")
                    merge_state(conn, "sync.odoo_cases", {"since": server_time})
                with psycopg.connect(url, autocommit=True) as conn:
                    conn.execute("VACUUM ANALYZE cases")
                timings = []
                for _ in range(3):
                    started = time.perf_counter()
                    counts = run_pass(pool, odoo, settings, overlap=timedelta(0))
                    timings.append(time.perf_counter() - started)
                    assert counts["push"]["total"] == 0, counts
                with pool.connection() as conn:
                    started = time.perf_counter()
                    conn.execute("SELECT id FROM cases WHERE odoo_pushed_rev IS DISTINCT FROM intake_rev").fetchall()
                    scan = time.perf_counter() - started
            return min(timings), scan
        finally:
            pool.close()
    finally:
        drop_db(url)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--naive-sample", type=int, default=None,
                        help="cases for the naive run (default: all of --cases on the fake, 1000 on real Odoo)")
    parser.add_argument("--steady", type=int, default=100_000)
    parser.add_argument("--fake", action="store_true", help="use the fake JSON-2 server even if Odoo is installed")
    args = parser.parse_args()

    backend, why = (None, "--fake given") if args.fake else real_backend_or_reason()
    if backend is None:
        print(f"target: fake JSON-2 Odoo over loopback HTTP ({why})")
        backend = FakeBackend()
    else:
        print(f"target: real Odoo 19 at {backend.url} (database {backend.db})")

    if args.naive_sample is None:
        args.naive_sample = args.cases if isinstance(backend, FakeBackend) else min(args.cases, 1_000)
    batched_url, naive_url = fresh_neon_db(), fresh_neon_db()
    try:
        add_cases(batched_url, args.cases)
        add_cases(naive_url, args.naive_sample)
        b_time, b_n, b_calls = push(batched_url, backend, 500)
        print(f"batched: {b_n} cases in {b_time:.2f}s, {b_calls} calls -> {b_n / b_time:,.0f} cases/s", flush=True)
        after = passes_after_sync(batched_url, backend)
        (s_time, s_pull), (f_time, f_pull) = after["stamps"], after["full"]
        print(f"no-change pass right after that sync (all {b_n} cases inside the 10-min overlap window; "
              f"load average {os.getloadavg()[0]:.2f}): stamps first {s_time * 1000:.0f} ms "
              f"({s_pull['overlap_stamps']} write dates compared, {s_pull['read']} records read) vs full re-read "
              f"{f_time * 1000:.0f} ms ({f_pull['read']} records read) -> x{f_time / s_time:.1f}", flush=True)
        n_time, n_n, n_calls = push(naive_url, backend, 1)
        print(f"naive:   {n_n} cases in {n_time:.2f}s, {n_calls} calls -> {n_n / n_time:,.0f} cases/s"
              + (f" (timed on a sample of {n_n}; {args.cases} would take ~{n_time / n_n * args.cases:.0f}s)"
                 if n_n < args.cases else ""))
        ratio = (n_time / n_n) / (b_time / b_n)
        print(f"ratio batched/naive (per case): {ratio:.1f}x  (target >= 20x: {'met' if ratio >= 20 else 'NOT met'})")
        if not isinstance(backend, FakeBackend):
            for label, context in (("mail_create_nolog", {"mail_create_nolog": True}),
                                   ("--no-chatter", NO_CHATTER_CONTEXT)):
                quiet_url = fresh_neon_db()
                try:
                    add_cases(quiet_url, args.cases)
                    q_time, q_n, _ = push(quiet_url, backend, 500, context)
                    print(f"batched with Odoo context {label}: {q_n} cases in {q_time:.2f}s -> "
                          f"{q_n / q_time:,.0f} cases/s; ratio vs naive {(n_time / n_n) / (q_time / q_n):.1f}x")
                finally:
                    drop_db(quiet_url)
    finally:
        drop_db(batched_url)
        drop_db(naive_url)

    pass_time, scan = steady_pass(backend, args.steady)
    print(f"no-change pass over {args.steady:,} cases (all in sync, Odoo reports nothing new): "
          f"{pass_time * 1000:.0f} ms (dirty-set scan alone {scan * 1000:.1f} ms)")
    if isinstance(backend, FakeBackend):
        backend.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
