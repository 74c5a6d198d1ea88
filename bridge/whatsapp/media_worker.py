"""``python -m bridge media-worker``: runs the inbound conversations queued by the webhook, works the
``wa_jobs`` queue and runs the WhatsApp notifier.

Inbound messages (``wa_inbound`` rows the webhook's ack left pending) have a thread of their own that
wakes on ``LISTEN wa_inbound``: it is what answers customers. The job threads (downloads, manuals) are
bounded (``--concurrency``, at most 16), lower their own priority (``--nice``, default +10; the inbound
thread half that; per thread on Linux) so that on a busy machine the web process's acks go first, then
the replies, then the downloads; and every thread pauses between items while it finds itself waiting
for a CPU longer than it runs (``CpuPacer``: its Postgres queries are not niced, so it must step aside) —
the inbound thread only while new messages keep arriving (the web process is busy acking them).

Jobs: ``media`` (download from Twilio, check, hash, store under MEDIA_DIR, upsert the attachment,
mark the evidence, emit ``media_processed``) and ``question`` (manuals search, answer or hand off).
Between jobs the notifier turns Odoo outcomes into messages, sends the outbox through Twilio and
makes queued Odoo calls. Any number of workers may run at once (SKIP LOCKED + leases).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import threading
import time
from typing import Any

import psycopg

from .. import db
from ..config import Settings
from . import adapters, conversation, inbound, jobs, media, outbox, outcomes, store
from .jobs import Job
from .messages import msg

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--until-empty", action="store_true",
                        help="exit once no job is queued or running (for scripts and tests)")
    parser.add_argument("--lease-seconds", type=float, default=60.0, help="job lease, extended by a heartbeat")
    parser.add_argument("--poll-interval", type=float, default=1.0, help="seconds between idle polls")
    parser.add_argument("--retry-base-seconds", type=float, default=2.0,
                        help="first retry delay for transient download errors (doubles each attempt)")
    parser.add_argument("--concurrency", type=int, default=4,
                        help="jobs worked at once by this process (threads; downloads are I/O-bound)")
    parser.add_argument("--no-notifier", action="store_true", help="only work jobs; do not send the outbox")
    parser.add_argument("--nice", type=int, default=10,
                        help="niceness added to the job threads (0 = as the web process; default 10)")
    parser.add_argument("--no-inbound", action="store_true",
                        help="do not run queued inbound conversations here (another worker does)")
    parser.add_argument("--worker-id", default=f"{socket.gethostname()}:{os.getpid()}")


class Worker:
    def __init__(self, settings: Settings, *, worker_id: str = "", lease_seconds: float = 60.0,
                 retry_base_seconds: float = 2.0):
        self.settings = settings
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}"
        self.lease_seconds = lease_seconds
        self.retry_base_seconds = retry_base_seconds

    def run_one(self, conn: psycopg.Connection) -> bool:
        """Claim and work one job. False when none is ready."""
        job = jobs.claim(conn, self.worker_id, self.lease_seconds)
        if job is None:
            return False
        try:
            if job.attempts > job.max_attempts:
                self._fail(conn, job, "gave up after repeated interruptions", msg("reason_processing"))
            elif job.kind == "media":
                self._media(conn, job)
            else:
                self._question(conn, job)
        except jobs.LeaseLost:
            log.warning("job %s: lease lost, another worker has it", job.id)
        except psycopg.OperationalError:
            raise  # the connection is gone: the caller reconnects; the lease brings the job back
        except Exception as exc:  # e.g. a full disk: retried, then failed, never lost
            log.exception("job %s case=%s: unexpected error", job.id, job.case_id)
            if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                conn.rollback()
            if job.attempts < job.max_attempts:
                jobs.retry_later(conn, job, f"{type(exc).__name__}: {exc}", self.retry_base_seconds * 2 ** job.attempts)
            else:
                self._fail(conn, job, f"{type(exc).__name__}: {exc}", msg("reason_processing"))
        return True

    # --- media ----------------------------------------------------------------------------------
    def _media(self, conn: psycopg.Connection, job: Job) -> None:
        payload = job.payload
        auth = (self.settings.twilio_account_sid, self.settings.twilio_auth_token) \
            if self.settings.twilio_enabled else None
        try:
            with jobs.Heartbeat(self.settings.database_url, job, self.lease_seconds):
                item = media.download(payload["url"], auth, payload.get("content_type", ""),
                                      allow_loopback=self.settings.media_allow_loopback)
        except media.MediaError as exc:
            if exc.transient and job.attempts < job.max_attempts:
                delay = self.retry_base_seconds * 2 ** (job.attempts - 1)
                jobs.retry_later(conn, job, str(exc), delay)
                log.info("job %s case=%s: transient failure (%s), retry in %.1fs", job.id, job.case_id, exc, delay)
            else:
                self._fail(conn, job, str(exc), exc.reason)
            return
        if job.case_id is None:
            self._fail(conn, job, "job has no case", msg("reason_processing"))
            return
        path = media.store_bytes(self.settings.media_dir, item)
        kind = payload.get("evidence_kind")
        with conn.transaction():
            jobs.lock_owned(conn, job)
            attachment = record_attachment(conn, job.case_id, job.contact_id, item, path, payload["url"], kind,
                                           payload.get("message_sid"), key=f"job:{job.id}")
            state = store.lock_state(conn, job.contact_id)
            if attachment["credited"]:
                self._apply(conn, job, conversation.evidence_stored(state, job.case_id, kind))
            else:
                # Bytes this case already has, sent again as another kind: only last_seen_at moved.
                self._apply(conn, job, conversation.evidence_duplicate(
                    state, job.case_id, kind, attachment["evidence_kind"]))
            jobs.mark_done(conn, job, {"sha256": item.sha256, "attachment_id": attachment["id"], "path": path})
        log.info("job %s case=%s: stored %s (%s, %d bytes, kind=%s)", job.id, job.case_id, item.sha256[:12],
                 item.content_type, item.size, kind)

    def _fail(self, conn: psycopg.Connection, job: Job, detail: str, reason: str) -> None:
        with conn.transaction():
            jobs.lock_owned(conn, job)
            jobs.mark_failed(conn, job, detail)
            if job.kind == "media":
                state = store.lock_state(conn, job.contact_id)
                kind = job.payload.get("evidence_kind")
                self._apply(conn, job, conversation.evidence_failed(state, job.case_id, kind, reason))
        log.warning("job %s case=%s failed permanently: %s", job.id, job.case_id, detail)

    # --- questions ------------------------------------------------------------------------------
    def _question(self, conn: psycopg.Connection, job: Job) -> None:
        text = job.payload.get("text", "")
        answer = adapters.search_manuals(text, self.settings, conn)
        with conn.transaction():
            jobs.lock_owned(conn, job)
            if answer:
                body = msg("question_answer", source=answer["source"], answer=answer["text"])
                store.enqueue_message(conn, f"job:{job.id}:answer", job.contact_id, job.case_id, "question_answer",
                                      body)
            else:
                state = store.lock_state(conn, job.contact_id)
                out = conversation.question_unanswered(state, text)
                store.apply_outcome(conn, job.contact_id, state.get("case_id"), out, key=f"job:{job.id}")
                self._enqueue_replies(conn, job, out.replies, "handoff")
            jobs.mark_done(conn, job, {"answered": bool(answer)})

    # --- helpers --------------------------------------------------------------------------------
    def _apply(self, conn: psycopg.Connection, job: Job, out: conversation.Outcome) -> None:
        if out.case_patch and job.case_id:
            store.patch_case(conn, job.case_id, out.case_patch)
        store.save_state(conn, job.contact_id, out.state)
        self._enqueue_replies(conn, job, out.replies, "intake")

    def _enqueue_replies(self, conn: psycopg.Connection, job: Job, replies: list[str], kind: str) -> None:
        for i, body in enumerate(replies):
            store.enqueue_message(conn, f"job:{job.id}:{i}", job.contact_id, job.case_id, kind, body)


def record_attachment(conn: psycopg.Connection, case_id: int, contact_id: str, item: media.Downloaded, path: str,
                      source_url: str, kind: str | None, message_sid: str | None, *, key: str) -> dict[str, Any]:
    """Inside the caller's transaction: upsert the attachment (dedupe by sha256 per case), mark the evidence
    as provided and emit ``media_processed``. Shared by WhatsApp media jobs and the customer's app.

    Bytes the case already has credit nothing new: only ``last_seen_at`` moves, and ``credited`` is false
    when they were first received as another kind (the same photo twice is one piece of evidence)."""
    attachment = conn.execute(
        """INSERT INTO case_attachments (case_id, sha256, content_type, size_bytes, storage_path, source_url,
                                         evidence_kind, message_sid)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
           ON CONFLICT (case_id, sha256) DO UPDATE
              SET last_seen_at = now(),
                  evidence_kind = COALESCE(case_attachments.evidence_kind, EXCLUDED.evidence_kind)
           RETURNING id, (xmax = 0) AS inserted, evidence_kind""",
        (case_id, item.sha256, item.content_type, item.size, path, source_url, kind, message_sid),
    ).fetchone()
    attachment["credited"] = attachment["inserted"] or attachment["evidence_kind"] == kind
    if kind and attachment["credited"]:
        conn.execute(
            "UPDATE cases SET evidence_provided = (SELECT COALESCE(jsonb_agg(DISTINCT x), '[]'::jsonb) "
            "FROM jsonb_array_elements_text(evidence_provided || to_jsonb(%s::text)) AS x) WHERE id = %s",
            (kind, case_id),
        )
    store.emit(conn, "media_processed", case_id, {
        "contact_id": contact_id, "attachment_id": attachment["id"], "sha256": item.sha256,
        "content_type": item.content_type, "size_bytes": item.size, "evidence_kind": kind,
        "message_sid": message_sid, "duplicate": not attachment["inserted"],
    }, key=key)
    return attachment


def notify_once(conn: psycopg.Connection, settings: Settings, client: Any) -> None:
    outcomes.process_events(conn, settings)
    outbox.send_pending(conn, settings, client)
    adapters.run_odoo_calls(conn, settings)


def queue_busy(conn: psycopg.Connection) -> bool:
    return conn.execute("SELECT EXISTS (SELECT 1 FROM wa_jobs WHERE state IN ('queued', 'running')) "
                        "OR EXISTS (SELECT 1 FROM wa_inbound WHERE processed_at IS NULL) AS busy").fetchone()["busy"]


def drain(settings: Settings, max_jobs: int = 50) -> None:
    """MEDIA_PROCESSING=inline: work what is ready now, in the web process (after the answer)."""
    try:
        with db.connect(settings.database_url, autocommit=True) as conn:
            inbound.process_pending(conn)
            worker = Worker(settings, worker_id=f"inline:{os.getpid()}")
            for _ in range(max_jobs):
                if not worker.run_one(conn):
                    break
            notify_once(conn, settings, outbox.make_client(settings))
    except Exception:
        log.exception("inline media processing failed; jobs stay queued")


def run(args: argparse.Namespace, settings: Settings) -> int:
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines would log signed CDN URLs
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    client = None if args.no_notifier else outbox.make_client(settings)
    if not args.no_notifier and client is None:
        log.info("off: outbound WhatsApp (TWILIO_* unset): messages stay in wa_outbox")
    concurrency = max(1, min(args.concurrency, MAX_THREADS))
    log.info("media worker %s started: %d job thread(s) at nice +%d%s, media dir %s", args.worker_id, concurrency,
             args.nice, "" if args.no_inbound else ", 1 inbound thread", settings.media_dir)
    threads = [
        threading.Thread(target=_loop, name=f"worker-{i}", daemon=True,
                         args=(args, settings, stop, f"{args.worker_id}/{i}", i == 0 and not args.no_notifier, client))
        for i in range(concurrency)
    ]
    if not args.no_inbound:
        threads.append(threading.Thread(target=_inbound_loop, name="inbound", daemon=True,
                                        args=(args, settings, stop)))
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads) and not stop.is_set():
        stop.wait(0.2)
    stop.set()
    for thread in threads:
        thread.join(timeout=args.lease_seconds)
    return 0


MAX_THREADS = 16
OVERLOAD_PER_CPU = 1.5  # without schedstat: load average per CPU above which threads pause between items
YIELD_S = 0.05  # first pause when the CPUs are contended; doubles while they stay so
MAX_YIELD_S = 0.25  # at most ~4 items a second while contended: replies slow down, never stop


def lower_priority(niceness: int) -> None:
    """Lower this thread's priority (Linux: niceness is per thread; elsewhere the whole process)."""
    if niceness > 0:
        try:
            os.nice(niceness)
        except OSError as exc:
            log.warning("could not lower the job threads' priority: %s", exc)


def overloaded() -> bool:
    try:
        return os.getloadavg()[0] > OVERLOAD_PER_CPU * (os.cpu_count() or 1)
    except OSError:
        return False


def _schedstat() -> tuple[int, int] | None:
    """(ns this thread ran, ns it waited runnable for a CPU) — Linux ``/proc/thread-self/schedstat``."""
    try:
        with open("/proc/thread-self/schedstat", "rb") as f:
            ran, waited = f.read().split()[:2]
        return int(ran), int(waited)
    except (OSError, ValueError):
        return None


class CpuPacer:
    """Per thread, between items of work: did this thread wait for a CPU longer than it ran while doing
    the last one? Being niced, it waits like that only when processes at normal priority (the web
    process's acks, Odoo) keep the CPUs busy — then it pauses, YIELD_S doubling up to MAX_YIELD_S while
    that lasts, so that its own Postgres queries (which run at normal priority) stop competing with the
    acks as well. Where schedstat is missing: pauses of YIELD_S while the load average is high."""

    def __init__(self) -> None:
        self.last = _schedstat()
        self.delay = 0.0

    def pause(self) -> float:
        """Seconds to pause now (0: go on)."""
        now = _schedstat()
        if now is None or self.last is None:
            busy = overloaded()
        else:
            ran, waited = now[0] - self.last[0], now[1] - self.last[1]
            busy = waited > max(ran, 1_000_000)  # and at least 1 ms: a short item's jitter is no signal
        self.last = now
        self.delay = min(MAX_YIELD_S, max(YIELD_S, self.delay * 2)) if busy else 0.0
        return self.delay


def _inbound_loop(args: argparse.Namespace, settings: Settings, stop: threading.Event) -> None:
    """Run queued inbound conversations as soon as the webhook stores them (LISTEN), else every poll.
    Half the job threads' niceness: replies go before downloads, and the web process's acks before both."""
    lower_priority(getattr(args, "nice", 0) // 2)
    pacer = CpuPacer()
    conn: psycopg.Connection | None = None
    listener: psycopg.Connection | None = None
    while not stop.is_set():
        try:
            if conn is None or conn.closed:
                conn = db.connect(settings.database_url, autocommit=True)
            if listener is None or listener.closed:
                listener = db.connect(settings.database_url, autocommit=True)
                listener.execute("LISTEN wa_inbound")
            while not stop.is_set() and inbound.process_next(conn) is not None:
                delay = pacer.pause()
                # Step aside only while the web process is acking (new messages keep arriving) and the CPUs
                # are contended: the replies then wait; once the burst is over they catch up at full speed.
                if delay and any(True for _ in listener.notifies(timeout=0)):
                    stop.wait(delay)
            if args.until_empty and not queue_busy(conn):
                break
            for _ in listener.notifies(timeout=args.poll_interval, stop_after=1):
                pass
        except psycopg.OperationalError as exc:
            log.warning("inbound: database unavailable (%s); retrying", type(exc).__name__)
            conn = listener = None
            stop.wait(min(5.0, args.poll_interval * 5))
    for c in (conn, listener):
        if c is not None:
            c.close()


def _loop(args: argparse.Namespace, settings: Settings, stop: threading.Event, worker_id: str, notifier: bool,
          client: Any) -> None:
    """One job thread (at lower priority); the first one also runs the notifier."""
    lower_priority(getattr(args, "nice", 0))
    pacer = CpuPacer()
    worker = Worker(settings, worker_id=worker_id, lease_seconds=args.lease_seconds,
                    retry_base_seconds=args.retry_base_seconds)
    last_notify = 0.0
    conn: psycopg.Connection | None = None
    while not stop.is_set():
        try:
            if conn is None or conn.closed:
                conn = db.connect(settings.database_url, autocommit=True)
            worked = worker.run_one(conn)
            if notifier and (not worked or time.monotonic() - last_notify > args.poll_interval):
                last_notify = time.monotonic()
                try:
                    notify_once(conn, settings, client)
                except psycopg.OperationalError:
                    raise
                except Exception:  # a bad event or message must not stop the notifier for everyone
                    log.exception("notifier pass failed; next pass in %.1fs", args.poll_interval)
            if not worked:
                if args.until_empty and not queue_busy(conn):
                    break
                stop.wait(args.poll_interval)
            elif delay := pacer.pause():
                stop.wait(delay)  # let the web process and the inbound thread have the CPU
        except psycopg.OperationalError as exc:
            log.warning("database unavailable (%s); retrying", type(exc).__name__)
            conn = None
            stop.wait(min(5.0, args.poll_interval * 5))
    if conn is not None:
        conn.close()
