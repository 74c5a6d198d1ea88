"""Scale-out benchmark (issue 18 item 6): one of each bridge process vs two of each, in the same run.

    .venv/bin/python bench/bench_scale.py [--customers 48] [--concurrency 16] [--rounds 1]
                                          [--media-latency-ms 300] [--receiver-latency-ms 50]

One of each: ``serve`` (one web process), one ``media-worker``, one ``dispatch-events``, one ``sync``, against
an Odoo with ``--workers 1``. Two of each: ``serve --workers 2`` behind the same kind of port, two of every
worker, against the same Odoo database served with ``--workers 2``. Each configuration gets a fresh Neon
database (local Postgres) and the same workload (tests/scale_scenario.py): customers on WhatsApp, each
sending the intake script and two photos, one message after the answer to the previous one, ``--concurrency``
customers at a time; 10 % of the messages redelivered after the answer and 10 % twice at once. Photos come
from a local Twilio media host that answers after ``--media-latency-ms`` (Twilio's CDN), events go to a
local receiver that answers after ``--receiver-latency-ms`` (a Make/n8n scenario).

Throughput = conversations carried from the first webhook to the last event delivered (cases in Odoo, photos
stored and pushed, Odoo's events pulled and delivered, customers' messages sent), per second. Because the
machine is shared, it also prints the CPU seconds the bridge's and Odoo's processes spent per conversation
(from /proc; Postgres not counted): the cost of a conversation with one and with two of each, which the
others' load does not change much. The audit
(nothing lost, nothing twice) is printed for each run. Needs a real Odoo 19 (tests/odoo_server.py installs
one on a fresh database: several minutes) and Postgres. Prints the load average: the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import scale_scenario  # noqa: E402
from tests.odoo_server import drop_db, fresh_neon_db, shared_odoo, start_workers_odoo  # noqa: E402


def fmt_load(avg: tuple[float, float, float]) -> str:
    return "/".join(f"{x:.2f}" for x in avg)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=48)
    parser.add_argument("--concurrency", type=int, default=16, help="customers writing at the same time")
    parser.add_argument("--rounds", type=int, default=1, help="alternate one/two of each this many times")
    parser.add_argument("--media-latency-ms", type=float, default=300.0)
    parser.add_argument("--receiver-latency-ms", type=float, default=50.0)
    args = parser.parse_args()

    print(f"bench_scale: {os.cpu_count()} CPUs, load average {fmt_load(os.getloadavg())} before Odoo starts")
    t0 = time.monotonic()
    server, why = shared_odoo()
    if server is None:
        print(f"bench_scale: skipped, no real Odoo 19: {why}")
        return 0
    print(f"  Odoo with postventa installed in {time.monotonic() - t0:.0f} s")
    odoos = {n: start_workers_odoo(server, workers=n) for n in (1, 2)}
    workdir = Path(tempfile.mkdtemp(prefix="pv-bench-scale-"))
    results: dict[int, list] = {1: [], 2: []}
    try:
        for _ in range(args.rounds):
            for n in (1, 2):
                neon = fresh_neon_db()
                try:
                    result = scale_scenario.run_scenario(
                        n, database_url=neon, odoo_url=odoos[n].url, odoo_db=server.db, bridge_key=server.key,
                        staff_key=server.staff_key, workdir=workdir, customers=args.customers,
                        concurrency=args.concurrency, media_latency_s=args.media_latency_ms / 1000,
                        receiver_latency_s=args.receiver_latency_ms / 1000, odoo_pid=odoos[n].process.pid,
                    )
                finally:
                    drop_db(neon)
                results[n].append(result)
                a, load = result.audit, result.load
                problems = a.problems()
                verdict = "OK" if not problems else "PROBLEMS: " + "; ".join(problems)
                print(f"  {'one' if n == 1 else 'two'} of each (web processes {result.web_pids}, Odoo --workers {n}): "
                      f"{len(load.contacts)} conversations in {result.settle_s:.1f} s = {result.throughput:.2f}/s; "
                      f"webhooks {load.posts} ({load.redelivered} redelivered, {load.concurrent} twice at once) "
                      f"in {load.seconds:.1f} s = {load.posts / load.seconds:.0f}/s; media {a.jobs}, cases {a.cases} "
                      f"(Odoo {a.odoo_cases}), events {a.events} delivered {a.deliveries}, WhatsApp sent "
                      f"{a.messages_sent}; CPU {result.cpu_bridge_s:.1f} s bridge + {result.cpu_odoo_s:.1f} s Odoo "
                      f"= {result.cpu_per_conversation:.2f} s/conversation (harness {result.cpu_harness_s:.1f} s); "
                      f"load avg {fmt_load(result.loadavg_before)} -> "
                      f"{fmt_load(result.loadavg_after)}; {verdict}")
    finally:
        for odoo in odoos.values():
            odoo.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    def best(n: int) -> float:
        return max(r.throughput for r in results[n])

    def mean(n: int, attr: str) -> float:
        return sum(getattr(r, attr) if attr != "web" else r.load.posts / r.load.seconds for r in results[n]) \
            / len(results[n])

    def cpu(n: int) -> float:
        return sum(r.cpu_per_conversation for r in results[n]) / len(results[n])

    ratio = best(2) / best(1)
    web_ratio = mean(2, "web") / mean(1, "web")
    clean = all(not r.audit.problems() for rs in results.values() for r in rs)
    print(f"  end to end: two of each {best(2):.2f} conversations/s vs one of each {best(1):.2f}/s = {ratio:.2f}x "
          f"(goal >= 1.6x); webhook phase {web_ratio:.2f}x; duplicates/losses: {'none' if clean else 'SEE ABOVE'}; "
          f"load average now {fmt_load(os.getloadavg())} on {os.cpu_count()} CPUs")
    print(f"  CPU per conversation (bridge + Odoo, Postgres not counted): two of each {cpu(2):.2f} s vs one of each "
          f"{cpu(1):.2f} s = {cpu(2) / cpu(1):.2f}x: the work a second copy adds besides its share; with a core of "
          f"its own for each copy, two of each would carry up to {cpu(1) / cpu(2) * 2:.2f}x the conversations")
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
