"""``python -m bridge dispatch-events``: copy Odoo's outbox into Neon ``events`` (once per event id)
and deliver every event to ``EVENT_WEBHOOK_URL`` signed per Standard Webhooks.

At-least-once: an event is marked delivered only after a 2xx. Per ordering key (the case) an
event is sent only after every earlier one is delivered or dead. Delivery is a pipeline: claims,
HTTP and recording overlap (``deliver_stream``), and any number of dispatchers may run at once. Failures follow
``policy.RETRY_SCHEDULE`` (~1.3 days), then the event is a dead letter (``/admin/events``,
redeliverable). A 410 disables the endpoint until ``--enable-endpoint``. The clock is injectable,
so tests move time instead of sleeping. Details: docs/events.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import psycopg
from psycopg_pool import ConnectionPool

from .. import db
from ..config import Settings
from ..odoo import OdooClient, OdooError
from ..sync.pool import worker_pool
from ..sync.state import get_state, merge_state, my_turn, put_state
from . import store
from .http import WebhookClient
from .policy import DEAD, DELIVERED, GONE, MAX_ATTEMPTS, OutboxCursor, Outcome, advance_outbox, classify
from .schemas import validate_event
from .signing import secret_key, signed_headers

log = logging.getLogger("bridge.events")
OUTBOX_KEY = "events.odoo_outbox"
STATUS_KEY = "events.status"
HTTP_TIMEOUT_S = 15.0
FLUSH_S = 0.02  # results are recorded at least this often while deliveries are in flight


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class RoundStats:
    attempted: int = 0
    delivered: int = 0
    failed: int = 0
    dead: int = 0
    gone: bool = False


class Dispatcher:
    def __init__(self, pool: ConnectionPool, settings: Settings, *, clock: Callable[[], datetime] = utcnow,
                 odoo: OdooClient | None = None, concurrency: int = 16, batch: int = 200,
                 lease: timedelta = timedelta(minutes=2)) -> None:
        self.pool = pool
        self.settings = settings
        self.clock = clock
        self.odoo = odoo
        self.batch = batch
        self.lease = lease
        self.url = settings.event_webhook_url
        self._key = secret_key(settings.event_webhook_secret) if settings.webhook_enabled else b""
        self._http = WebhookClient(self.url, timeout=HTTP_TIMEOUT_S) if settings.webhook_enabled else None
        self._executor = ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="deliver")
        self._recorder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="record")
        self._pull_problem = RecurringProblem("dispatch: cannot pull Odoo's outbox")
        self._report_problem = RecurringProblem("dispatch: cannot report delivery state to Odoo")

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        self._recorder.shutdown(wait=True)
        if self._http is not None:
            self._http.close()

    def _tx(self, fn, what: str):
        def run():
            with self.pool.connection() as conn:
                return fn(conn)
        return db.retry(run, what=what)

    # ----- Odoo outbox -> Neon -----------------------------------------------------------
    def pull_outbox(self, page_size: int = 500) -> int:
        """Copy new outbox rows into ``events``; returns how many were new. Raises OdooError."""
        if self.odoo is None:
            return 0
        cursor = OutboxCursor.from_json(self._tx(lambda c: get_state(c, OUTBOX_KEY), "read outbox cursor"))
        after, inserted = cursor.pull_from(), 0
        while True:
            rows = self.odoo.call("postventa.event", "bridge_pull", after_id=after, limit=page_size)
            ids = [int(r["outbox_id"]) for r in rows]
            envelopes = []
            for r in rows:
                row = store.envelope_row(r.get("event") or {}, int(r["outbox_id"]))
                if row is None:
                    log.error("outbox %s: envelope cannot be stored (id/type/source/time missing or invalid)",
                              r.get("outbox_id"))
                else:
                    envelopes.append(row)
            cursor = advance_outbox(cursor, ids, self.clock())

            def save(conn, envelopes=envelopes, cursor=cursor):
                n = store.insert_pulled(conn, envelopes)
                put_state(conn, OUTBOX_KEY, cursor.to_json())
                return n

            inserted += self._tx(save, "store pulled events")
            if len(rows) < page_size:
                return inserted
            after = ids[-1]

    # ----- delivery ------------------------------------------------------------------------
    def deliver_stream(self) -> RoundStats:
        """Deliver everything due now as a pipeline: at most ``batch`` events claimed and not yet recorded,
        ``concurrency`` of them on the wire. The next claim is made while the window is still half in
        flight, and results are recorded from another thread every ``FLUSH_S`` (recording is what frees a
        case's next event), so claiming, sending and recording overlap.

        Per-case order holds because only the oldest open event of a key is ever claimable and a claimed
        event stays open (leased) until its result is recorded."""
        stats = RoundStats()
        if not self.settings.webhook_enabled:
            return stats
        if self._tx(lambda c: store.endpoint_disabled(c, self.url), "read endpoint state"):
            return stats
        sending: set[Future] = set()
        recording: dict[Future, int] = {}
        finished: list[tuple[dict, Outcome]] = []
        may_have_more, last_flush = True, time.monotonic()
        while True:
            for future in [f for f in recording if f.done()]:
                del recording[future]
                future.result()  # a database error stops the stream; leases bring the events back
                may_have_more = True  # a recorded result can make the case's next event due
            room = self.batch - len(sending) - len(finished) - sum(recording.values())
            if may_have_more and not stats.gone and room >= max(1, self.batch // 2):
                now = self.clock()
                claims = self._tx(lambda c, now=now, room=room: store.claim_due(c, now, now + self.lease, room),
                                  "claim events")
                may_have_more = len(claims) == room
                sending.update(self._executor.submit(self._attempt, claim, now) for claim in claims)
            if sending or recording:
                done, _ = wait(sending | set(recording), timeout=FLUSH_S, return_when=FIRST_COMPLETED)
                finished.extend(f.result() for f in done & sending)
                sending -= done
            if finished and (not sending or len(finished) >= max(1, self.batch // 4)
                             or time.monotonic() - last_flush >= FLUSH_S):
                recording[self._recorder.submit(self._record, finished, stats)] = len(finished)
                finished, last_flush = [], time.monotonic()
            if not (sending or finished or recording) and (not may_have_more or stats.gone):
                break
        if stats.gone:
            self._disable_endpoint()
        return stats

    def deliver_due(self) -> RoundStats:
        """One round, not pipelined: claim the due heads of each ordering key, post them concurrently,
        record (the design before ``deliver_stream``; kept for the benchmark's comparison)."""
        stats = RoundStats()
        if not self.settings.webhook_enabled:
            return stats
        now = self.clock()
        if self._tx(lambda c: store.endpoint_disabled(c, self.url), "read endpoint state"):
            return stats
        claims = self._tx(lambda c: store.claim_due(c, now, now + self.lease, self.batch), "claim events")
        if not claims:
            return stats
        self._record(list(self._executor.map(lambda claim: self._attempt(claim, now), claims)), stats)
        if stats.gone:
            self._disable_endpoint()
        return stats

    def _record(self, results: list[tuple[dict, Outcome]], stats: RoundStats) -> None:
        self._tx(lambda c: store.record_results(c, [r for r, _ in results]), "record deliveries")
        for result, outcome in results:
            if result["logged"]:
                stats.attempted += 1
            stats.delivered += outcome.kind == DELIVERED
            stats.dead += outcome.kind == DEAD
            stats.failed += outcome.state == "failed"
            stats.gone = stats.gone or outcome.kind == GONE
            log.log(logging.DEBUG if outcome.kind == DELIVERED else logging.WARNING,
                    "event %s attempt %d: %s%s", result["event_id"], result["attempts"], outcome.kind,
                    f" ({result['error']})" if result["error"] else "")

    def _disable_endpoint(self) -> None:
        now = self.clock()
        reason = f"410 Gone from the endpoint at {now.isoformat()}"
        self._tx(lambda c: store.set_endpoint(c, self.url, disabled_reason=reason, now=now), "disable endpoint")
        log.error("webhook endpoint disabled: %s; re-enable with dispatch-events --enable-endpoint", reason)

    def _attempt(self, claim: dict, now: datetime) -> tuple[dict, Outcome]:
        envelope = store.to_envelope(claim)
        attempts = claim["attempts"] + 1
        problems = validate_event(envelope)
        if problems:
            error = "invalid event: " + "; ".join(problems)[:900]
            outcome = Outcome(DEAD, "dead", None)
            return store.result_row(claim, outcome, attempts=claim["attempts"], status=None, error=error, now=now,
                                    endpoint=self.url, duration_ms=None, logged=False), outcome
        body = json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode()
        headers = signed_headers(self._key, envelope["id"], int(now.timestamp()), body)
        started = time.perf_counter()
        status, error = None, None
        try:
            status, text = self._post(body, headers)
            if status >= 300:
                error = f"HTTP {status}: {text[:200]}"
        except (OSError, http.client.HTTPException) as exc:
            error = f"{type(exc).__name__}: {str(exc)[:200] or 'no detail'}"
        duration_ms = int((time.perf_counter() - started) * 1000)
        outcome = classify(status, attempts, now)
        counted = attempts if outcome.kind != GONE else claim["attempts"]
        return store.result_row(claim, outcome, attempts=counted, status=status, error=error, now=now,
                                endpoint=self.url, duration_ms=duration_ms), outcome

    def _post(self, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        return self._http.post(body, headers)

    def enable_endpoint(self) -> None:
        self._tx(lambda c: store.set_endpoint(c, self.url, disabled_reason=None, now=self.clock()), "enable endpoint")

    # ----- delivery state -> Odoo ------------------------------------------------------------
    def my_turn(self, interval: float) -> bool:
        """This dispatcher's turn to pull Odoo's outbox (``state.my_turn``): N dispatchers cost Odoo what one
        does."""
        return self.odoo is not None and my_turn(self.pool, "events.pull", interval)

    def report_to_odoo(self) -> int:
        if self.odoo is None:
            return 0
        reported = 0
        while True:
            rows = self._tx(lambda c: store.pending_reports(c), "read delivery reports")
            if not rows:
                return reported
            updates = [{"event_id": str(r["event_id"]), "state": r["state"], "attempts": r["attempts"],
                        "last_error": r["last_error"] or ""} for r in rows]
            self.odoo.call("postventa.event", "bridge_report_delivery", updates=updates)
            self._tx(lambda c, rows=rows: store.mark_reported(c, rows), "mark reported")
            reported += len(rows)
            if len(rows) < 500:
                return reported

    def run_once(self, *, pipelined: bool = True, max_rounds: int = 10_000, pull: bool = True) -> dict:
        """Pull, deliver everything due now, report. Odoo errors don't stop delivery.
        ``pipelined=False``: round after round of ``deliver_due`` (the former design). ``pull=False``:
        another dispatcher pulls Odoo's outbox this interval (``take_turn``); this one only delivers."""
        summary = {"pulled": 0, "attempted": 0, "delivered": 0, "failed": 0, "dead": 0, "reported": 0,
                   "odoo_error": None}
        try:
            if pull:
                summary["pulled"] = self.pull_outbox()
            self._pull_problem.clear()
        except OdooError as exc:
            summary["odoo_error"] = str(exc)
            self._pull_problem.seen(str(exc))
        for _ in range(1 if pipelined else max_rounds):
            stats = self.deliver_stream() if pipelined else self.deliver_due()
            for key in ("attempted", "delivered", "failed", "dead"):
                summary[key] += getattr(stats, key)
            if (stats.attempted == 0 and stats.dead == 0) or stats.gone:
                break
        try:
            summary["reported"] = self.report_to_odoo()
            self._report_problem.clear()
        except OdooError as exc:
            summary["odoo_error"] = str(exc)
            self._report_problem.seen(str(exc))
        return summary


class RecurringProblem:
    """A problem that every cycle would repeat: logged when it starts or changes, and once when it clears
    (a dispatcher cycling every 5 s must not bury ``make run``'s start-up banner)."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.last: str | None = None

    def seen(self, detail: str) -> None:
        if detail != self.last:
            log.warning("%s: %s", self.what, detail)
        self.last = detail

    def clear(self) -> None:
        if self.last is not None:
            log.info("%s: resolved", self.what)
        self.last = None


COUNTERS = ("pulled", "attempted", "delivered", "failed", "dead", "reported")


def summary_line(summary: dict, *, always: bool = False) -> str | None:
    """The cycle's one-line summary, or None when nothing moved (an idle cycle prints nothing)."""
    if not always and not any(summary.get(key) for key in COUNTERS):
        return None
    return ("dispatch-events: " + ", ".join(f"{key} {summary.get(key, 0)}" for key in COUNTERS))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--once", action="store_true", help="one pull/deliver/report cycle, then exit")
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between cycles (default 5)")
    parser.add_argument("--batch", type=int, default=200,
                        help="events claimed and not yet recorded, at most (default 200)")
    parser.add_argument("--concurrency", type=int, default=16, help="parallel HTTP deliveries (default 16)")
    parser.add_argument("--enable-endpoint", action="store_true",
                        help="re-enable EVENT_WEBHOOK_URL after a 410 disabled it, then continue")


def run(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.webhook_enabled:
        log.info("webhooks off (EVENT_WEBHOOK_URL unset): events are stored for GET /admin/events only")
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
    pool = worker_pool(settings.database_url, name="events", max_size=3)
    odoo = OdooClient(settings, retries=2) if settings.odoo_enabled else None
    dispatcher = Dispatcher(pool, settings, odoo=odoo, concurrency=args.concurrency, batch=args.batch)
    try:
        if args.enable_endpoint and settings.webhook_enabled:
            dispatcher.enable_endpoint()
            log.info("webhook endpoint re-enabled")
        neon_problem = RecurringProblem("dispatch: Neon unavailable, retrying")
        while not stop.is_set():
            try:
                # Several dispatchers: one per interval pulls Odoo's outbox for all (--once always does).
                pull = args.once or dispatcher.my_turn(args.interval)
                summary = dispatcher.run_once(pull=pull)
                neon_problem.clear()
            except (psycopg.Error, OSError) as exc:
                neon_problem.seen(type(exc).__name__)
                if args.once:
                    return 4
                stop.wait(args.interval)
                continue
            line = summary_line(summary, always=args.once)
            if line:
                print(line, file=sys.stderr, flush=True)
            _record_status(pool, summary)
            if args.once:
                return 0 if summary["odoo_error"] is None else 3
            stop.wait(args.interval)
        return 0
    finally:
        dispatcher.close()
        if odoo:
            odoo.close()
        pool.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _record_status(pool: ConnectionPool, summary: dict) -> None:
    try:
        with pool.connection() as conn:
            merge_state(conn, STATUS_KEY, dict(summary, at=utcnow().isoformat(), max_attempts=MAX_ATTEMPTS))
    except psycopg.Error as exc:
        log.warning("could not record dispatch status: %s", type(exc).__name__)
