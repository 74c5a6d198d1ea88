"""Event dispatch throughput: signed webhook deliveries to a local receiver over loopback HTTP.

    .venv/bin/python bench/bench_events.py [--events 5000] [--cases 500] [--concurrency 16] [--batch 200]
                                           [--fail-ratio 0.0]

Events are spread over ``--cases`` ordering keys (per-case order is kept, so a case's events go
out one after another), plus one event in ten without a key. The receiver is the tests' threaded
HTTP server in its own process, answering 200 (or 500 for ``--fail-ratio`` of the attempts, retried
on the schedule with the clock moved forward instead of waiting). Real Postgres (a fresh database per
design, dropped after). The same events go through, one design after the other in the same run:

- rounds (before): claim a batch, post it (httpx, ``--concurrency`` threads), record, repeat;
  nothing is in flight while claiming and recording.
- pipelined: ``Dispatcher.deliver_stream`` (claims, posts and records overlap; keep-alive
  ``http.client`` connections).
- pipelined x2: two dispatcher processes at once on the same database (SKIP LOCKED + leases).

Each design's receiver checks that every event was accepted once and in order per case.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bridge.cloudevents import insert_event, make_event  # noqa: E402
from bridge.config import Settings  # noqa: E402
from bridge.events.dispatch import Dispatcher  # noqa: E402
from bridge.odoo import nodelay_transport  # noqa: E402
from bridge.sync.pool import worker_pool  # noqa: E402
from tests.odoo_server import drop_db, fresh_neon_db  # noqa: E402

RECEIVER = """
import json, sys
sys.path.insert(0, sys.argv[1])
from tests.receiver import Receiver
r = Receiver(fail_ratio=float(sys.argv[2]), seed=7).start()
print(r.url, flush=True)
sys.stdin.read()
ids, order_ok, seen = [e["id"] for e in r.accepted], True, {}
for e in r.accepted:
    seen.setdefault(e.get("subject"), []).append(e["id"])
print(json.dumps({"accepted": len(ids), "unique": len(set(ids)), "requests": len(r.requests),
                  "per_case": {k: v for k, v in seen.items() if k}}), flush=True)
"""

# A dispatcher process for the "x2" design: imports first, then waits for "go" so that start-up is not timed.
RUNNER = """
import sys
sys.path.insert(0, sys.argv[1])
from bridge.config import Settings
from bridge.events.dispatch import Dispatcher
from bridge.sync.pool import worker_pool
settings = Settings(database_url=sys.argv[2], event_webhook_url=sys.argv[3], event_webhook_secret=sys.argv[4])
pool = worker_pool(settings.database_url, name="bench-events", max_size=3)
d = Dispatcher(pool, settings, concurrency=int(sys.argv[5]), batch=int(sys.argv[6]))
pool.wait()
print("ready", flush=True)
sys.stdin.readline()
d.run_once()
d.close()
pool.close()
print("done", flush=True)
"""
SECRET = "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="


class Clock:
    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


class RoundsDispatcher(Dispatcher):
    """The design before the pipeline, as it was: rounds of claim / post with httpx / record."""

    def __init__(self, *args, concurrency: int, **kw) -> None:
        super().__init__(*args, concurrency=concurrency, **kw)
        self._httpx = httpx.Client(timeout=httpx.Timeout(15.0), headers={"User-Agent": "postventa-bridge/webhooks"},
                                   transport=nodelay_transport(concurrency))

    def _post(self, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        response = self._httpx.post(self.url, content=body, headers=headers)
        return response.status_code, response.text[:200]

    def run_once(self, **kw) -> dict:
        return super().run_once(pipelined=False)

    def close(self) -> None:
        super().close()
        self._httpx.close()


def seed(url: str, events: int, cases: int) -> dict[str, list[str]]:
    expected: dict[str, list[str]] = {}
    with psycopg.connect(url) as conn:
        for i in range(events):
            case = None if i % 10 == 0 else (i % cases) + 1
            event = make_event("media_processed", {
                "case_id": case or 1, "sha256": f"{i:064x}", "content_type": "image/jpeg", "size_bytes": i},
                subject=f"case/{case}" if case else None)
            insert_event(conn, event)
            if case:
                expected.setdefault(f"case/{case}", []).append(event["id"])
    return expected


def left(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT count(*) FROM event_deliveries WHERE state <> 'delivered'").fetchone()[0]


def run_design(name: str, args) -> dict:
    url = fresh_neon_db()
    receiver = subprocess.Popen([sys.executable, "-c", RECEIVER, str(ROOT), str(args.fail_ratio)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    receiver_url = receiver.stdout.readline().strip()
    pool = worker_pool(url, name="bench-events", max_size=4)
    runners = []
    try:
        expected = seed(url, args.events, args.cases)
        clock = Clock()
        settings = Settings(database_url=url, event_webhook_url=receiver_url, event_webhook_secret=SECRET)
        if name == "pipelined x2":
            runners = [subprocess.Popen([sys.executable, "-c", RUNNER, str(ROOT), url, receiver_url, SECRET,
                                         str(args.concurrency), str(args.batch)],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for _ in range(2)]
            for runner in runners:
                assert runner.stdout.readline().strip() == "ready"
        kind = RoundsDispatcher if name.startswith("rounds") else Dispatcher
        dispatcher = kind(pool, settings, clock=clock, concurrency=args.concurrency, batch=args.batch)
        started = time.perf_counter()
        try:
            if runners:
                for runner in runners:
                    runner.stdin.write("go\n")
                    runner.stdin.flush()
                for runner in runners:
                    assert runner.stdout.readline().strip() == "done"
            while left(url):  # what the first pass left (retries after failures): the clock moves on
                if dispatcher.run_once()["attempted"] == 0:
                    clock.offset += timedelta(hours=11)
        finally:
            dispatcher.close()
        elapsed = time.perf_counter() - started
        out, _ = receiver.communicate("", timeout=60)
        seen = json.loads(out.strip().splitlines()[-1])
        in_order = all(seen["per_case"].get(k) == ids for k, ids in expected.items())
        return {"elapsed": elapsed, "rate": seen["unique"] / elapsed, "in_order": in_order, **seen}
    finally:
        for runner in runners:
            if runner.poll() is None:
                runner.kill()
        pool.close()
        if receiver.poll() is None:
            receiver.kill()
        drop_db(url)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--cases", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--fail-ratio", type=float, default=0.0)
    args = parser.parse_args()
    print(f"{args.events} events over {args.cases} cases, concurrency {args.concurrency}, batch {args.batch}, "
          f"fail ratio {args.fail_ratio}; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start")
    results = {}
    for name in ("rounds (before)", "pipelined", "pipelined x2"):
        r = results[name] = run_design(name, args)
        print(f"{name:>16}: {r['unique']}/{args.events} delivered in {r['elapsed']:.2f} s = {r['rate']:,.0f} events/s; "
              f"{r['requests']} HTTP requests, accepted twice: {r['accepted'] - r['unique']}, "
              f"per-case order {'kept' if r['in_order'] else 'BROKEN'}", flush=True)
    base = results["rounds (before)"]["rate"]
    print(f"           ratio: pipelined x{results['pipelined']['rate'] / base:.2f}, "
          f"pipelined x2 x{results['pipelined x2']['rate'] / base:.2f} the rounds design; "
          f"load average {os.getloadavg()[0]:.2f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
