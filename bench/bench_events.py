"""Event dispatch throughput: signed webhook deliveries to a local receiver over loopback HTTP.

    .venv/bin/python bench/bench_events.py [--events 5000] [--cases 500] [--concurrency 16] [--batch 200]
                                           [--fail-ratio 0.0]

Events are spread over ``--cases`` ordering keys (per-case order is kept, so a case's events go
out one after another), plus one event in ten without a key. The receiver is the tests' threaded
HTTP server answering 200 (or 500 for ``--fail-ratio`` of the attempts, retried on the schedule
with the clock moved forward instead of waiting). Real Postgres (a fresh database, dropped after).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bridge.cloudevents import insert_event, make_event  # noqa: E402
from bridge.config import Settings  # noqa: E402
from bridge.events.dispatch import Dispatcher  # noqa: E402
from bridge.sync.pool import worker_pool  # noqa: E402
from tests.odoo_server import drop_db, fresh_neon_db  # noqa: E402

RECEIVER = """
import sys
sys.path.insert(0, sys.argv[1])
from tests.receiver import Receiver
r = Receiver(fail_ratio=float(sys.argv[2]), seed=7).start()
print(r.url, flush=True)
sys.stdin.read()
print(len({e["id"] for e in r.accepted}), len(r.requests), flush=True)
"""


class Clock:
    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--cases", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--fail-ratio", type=float, default=0.0)
    args = parser.parse_args()

    url = fresh_neon_db()
    # The receiver runs in its own process, so it does not share the dispatcher's GIL.
    receiver = subprocess.Popen([sys.executable, "-c", RECEIVER, str(ROOT), str(args.fail_ratio)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    receiver_url = receiver.stdout.readline().strip()
    pool = worker_pool(url, name="bench-events", max_size=4)
    try:
        with psycopg.connect(url) as conn:
            for i in range(args.events):
                case = None if i % 10 == 0 else (i % args.cases) + 1
                insert_event(conn, make_event("media_processed", {
                    "case_id": case or 1, "sha256": f"{i:064x}", "content_type": "image/jpeg", "size_bytes": i},
                    subject=f"case/{case}" if case else None))
        clock = Clock()
        settings = Settings(database_url=url, event_webhook_url=receiver_url,
                            event_webhook_secret="whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
        dispatcher = Dispatcher(pool, settings, clock=clock, concurrency=args.concurrency, batch=args.batch)
        started = time.perf_counter()
        rounds = 0
        try:
            while True:
                summary = dispatcher.run_once()
                rounds += 1
                with pool.connection() as conn:
                    left = conn.execute("SELECT count(*) AS n FROM event_deliveries WHERE state <> 'delivered'"
                                        ).fetchone()["n"]
                if not left:
                    break
                if summary["attempted"] == 0:
                    clock.offset += timedelta(hours=11)  # failed ones are due again
        finally:
            dispatcher.close()
        elapsed = time.perf_counter() - started
        out, _ = receiver.communicate("", timeout=30)
        delivered, requests = (int(x) for x in out.split())
        print(f"delivered {delivered}/{args.events} events over {args.cases} cases in {elapsed:.2f}s "
              f"({delivered / elapsed:,.0f} events/s; {requests} HTTP requests, "
              f"concurrency {args.concurrency}, batch {args.batch}, fail ratio {args.fail_ratio})")
    finally:
        pool.close()
        if receiver.poll() is None:
            receiver.kill()
        drop_db(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
