"""``python -m bridge sync``: two-way sync of cases between Neon and Odoo (``--once`` for one pass).

One pass = fault catalog (Odoo -> Neon), changed cases and new attachments (Neon -> Odoo, one
batch call per chunk), case outcomes (Odoo -> Neon). Every step is idempotent and resumable, so a
crash at any point followed by a rerun gives the same end state. When Odoo is down, slow, or
refuses the key, the loop waits with backoff, records why in ``bridge_state`` (shown by
``/healthz``), and catches up when Odoo answers again. Details: docs/sync.md.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

import psycopg
from psycopg_pool import ConnectionPool

from .. import db
from ..config import Settings
from ..odoo import OdooClient, OdooError
from .chatter import chatter_pass
from .logic import NO_CHATTER_CONTEXT, backoff_delay
from .pool import worker_pool
from .pull import PullStats, pull_catalog, pull_changes
from .push import PushStats, push_cases
from .state import merge_state, my_turn

log = logging.getLogger("bridge.sync")
STATUS_KEY = "sync.status"
EXIT_ODOO_DOWN = 3


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--once", action="store_true", help="run one pass and exit")
    parser.add_argument("--interval", type=float, default=30.0, help="seconds between passes (default 30)")
    parser.add_argument("--chunk-size", type=int, default=500, help="cases per Odoo call (max 500)")
    parser.add_argument("--overlap-seconds", type=float, default=600.0,
                        help="re-read window behind the Odoo cursor (default 600)")
    parser.add_argument("--max-wait", type=float, default=60.0,
                        help="with --once: how long to keep retrying an unavailable Odoo (default 60 s)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    parser.add_argument("--no-chatter", action="store_true",
                        help="ask Odoo not to log creation messages or track fields for bridge upserts (faster)")
    parser.add_argument("--no-whatsapp-chatter", action="store_true",
                        help="do not mirror WhatsApp messages into the cases' chatter nor relay staff replies")


def make_pool(settings: Settings) -> ConnectionPool:
    return worker_pool(settings.database_url, name="sync")


def record_status(pool: ConnectionPool, **fields: object) -> None:
    """Best effort: the status row must never stop the sync itself."""
    def write() -> None:
        with pool.connection() as conn:
            merge_state(conn, STATUS_KEY, dict(fields, at=datetime.now(UTC).isoformat()))
    try:
        db.retry(write, attempts=2, what="record sync status")
    except Exception as exc:  # noqa: BLE001
        log.warning("could not record sync status: %s", type(exc).__name__)


def run_pass(pool: ConnectionPool, odoo: OdooClient, settings: Settings, *, chunk_size: int = 500,
             overlap: timedelta = timedelta(minutes=10), quiet: bool = True, no_chatter: bool = False,
             whatsapp_chatter: bool = True, cheap_overlap: bool = True, shared_reads: bool = True) -> dict:
    """One full pass; returns counts. Raises OdooError when Odoo cannot be used.

    ``shared_reads=False`` skips what only reads Odoo on everyone's behalf (the fault catalog, Odoo's case
    changes, staff replies): another runner took this interval's turn for it (``state.take_turn``)."""
    def push_progress(stats: PushStats) -> None:
        if not quiet:
            print(f"sync push: {stats.pushed + stats.errors}/{stats.total} cases "
                  f"({stats.attachments} attachments, {stats.errors} rejected)", file=sys.stderr, flush=True)

    def pull_progress(stats) -> None:
        if not quiet and stats.read:
            print(f"sync pull: {stats.read} Odoo records read, {stats.applied} changed in Neon",
                  file=sys.stderr, flush=True)

    faults = pull_catalog(pool, odoo) if shared_reads else 0
    pushed = push_cases(pool, odoo, media_dir=settings.media_dir, chunk_size=chunk_size, progress=push_progress,
                        odoo_context=NO_CHATTER_CONTEXT if no_chatter else None)
    pulled = pull_changes(pool, odoo, overlap=overlap, page_size=500, progress=pull_progress,
                          cheap_overlap=cheap_overlap) if shared_reads else PullStats()
    counts = {"faults": faults, "push": asdict(pushed), "pull": asdict(pulled), "shared_reads": shared_reads}
    if whatsapp_chatter:  # after the push: a message needs its case in Odoo (bridge/sync/chatter.py)
        counts["chatter"] = asdict(chatter_pass(pool, odoo, media_dir=settings.media_dir,
                                                pull_replies=shared_reads))
    return counts


def run(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.odoo_enabled:
        print("sync: Odoo is off (ODOO_URL/ODOO_DB/ODOO_API_KEY unset); nothing to do", file=sys.stderr)
        return 0
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
    pool = make_pool(settings)
    odoo = OdooClient(settings, retries=2)
    try:
        return _loop(args, settings, pool, odoo, stop)
    finally:
        odoo.close()
        pool.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _loop(args: argparse.Namespace, settings: Settings, pool: ConnectionPool, odoo: OdooClient,
          stop: threading.Event) -> int:
    failures = 0
    started = time.monotonic()
    overlap = timedelta(seconds=args.overlap_seconds)
    while not stop.is_set():
        try:
            # Several runners: one per interval reads Odoo's catalog and changes for all (--once always does).
            shared = args.once or my_turn(pool, "sync.pull", args.interval)
            counts = run_pass(pool, odoo, settings, chunk_size=args.chunk_size, overlap=overlap, quiet=args.quiet,
                              no_chatter=args.no_chatter,
                              whatsapp_chatter=not getattr(args, "no_whatsapp_chatter", False), shared_reads=shared)
        except OdooError as exc:
            failures += 1
            delay = backoff_delay(failures)
            log.warning("sync: Odoo unavailable (%s); retry %d in %.0fs", exc, failures, delay)
            record_status(pool, odoo="down", state="retrying", last_error=str(exc), failures=failures,
                          retry_in_s=delay)
            if args.once and time.monotonic() - started + delay > args.max_wait:
                print(f"sync: gave up, Odoo unavailable: {exc}", file=sys.stderr)
                return EXIT_ODOO_DOWN
            stop.wait(delay)
            continue
        except (psycopg.Error, OSError) as exc:
            failures += 1
            delay = backoff_delay(failures)
            log.warning("sync: Neon unavailable (%s); retry in %.0fs", type(exc).__name__, delay)
            if args.once and time.monotonic() - started + delay > args.max_wait:
                print(f"sync: gave up, Neon unavailable: {type(exc).__name__}: {exc}", file=sys.stderr)
                return 4
            stop.wait(delay)
            continue
        failures = 0
        push, pull = counts["push"], counts["pull"]
        log.info("sync pass: %d faults, pushed %d/%d cases (%d created, %d rejected, %d attachments, %d calls), "
                 "pulled %d (%d changed)", counts["faults"], push["pushed"], push["total"], push["created"],
                 push["errors"], push["attachments"], push["calls"], pull["read"], pull["applied"])
        record_status(pool, odoo="up", state="ok", last_ok_at=datetime.now(UTC).isoformat(), last_error=None,
                      failures=0, last_pass=counts)
        if args.once:
            return 0
        stop.wait(args.interval)
    return 0
