"""The scale-out scenario, shared by tests/test_scale_out.py and bench/bench_scale.py.

N of each bridge process, as real subprocesses against one Neon database (local Postgres) and a prefork Odoo:
``python -m bridge serve --workers N`` (N web processes behind one port), N ``media-worker``, N
``dispatch-events`` and N ``sync`` runners. The workload is customers on WhatsApp: signed webhooks (the real
twilio ``RequestValidator``) with redeliveries of the same MessageSid, some one after the other and some
at the same time; photos served by the local Twilio stand-in (tests/fake_twilio.py) after a CDN-like delay;
cases synced to the real Odoo; events delivered to a local receiver (tests/receiver.py) that answers after
a Make/n8n-like delay. ``settle()`` waits until everything is done; ``audit()`` counts duplicates and losses.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import ThreadingHTTPServer
from pathlib import Path

import httpx
import psycopg
from psycopg.rows import dict_row
from twilio.request_validator import RequestValidator

from bridge.config import Settings
from bridge.odoo import OdooClient
from bridge.whatsapp import outcomes

from . import fake_twilio, receiver
from .fake_twilio import ACCOUNT_SID, AUTH_TOKEN, JPEG, replies, webhook_params
from .odoo_server import free_port

REPO = Path(__file__).resolve().parent.parent
VIN = "JTDBR32E230012345"  # the demo Corolla (tests/test_e2e_loop.py)
SCRIPT = ["Hola", VIN, "26,800 km", "se prende el foquito de la batería con el motor prendido"]
PHOTOS = 2  # then two photos, one per message


# ----- the outside world: Twilio's media host with a CDN delay, a receiver with a Make/n8n delay ---------

class _SlowMediaHandler(fake_twilio._Handler):
    latency_s = 0.0

    def do_GET(self) -> None:
        if self.path.startswith("/cdn/") and self.latency_s:
            time.sleep(self.latency_s)
        super().do_GET()


def start_twilio(media_latency_s: float) -> fake_twilio.FakeTwilio:
    handler = type("Handler", (_SlowMediaHandler,), {"latency_s": media_latency_s})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.request_queue_size = 128
    fake = fake_twilio.FakeTwilio(server)
    handler.fake = fake
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return fake


class SlowReceiver(receiver.Receiver):
    """tests/receiver.Receiver answering each request after ``latency_s`` (a Make/n8n scenario's run)."""

    def __init__(self, latency_s: float) -> None:
        super().__init__()
        self.latency_s = latency_s

    def start(self) -> SlowReceiver:
        latency = self.latency_s

        class Handler(receiver._Handler):
            def do_POST(self) -> None:
                if latency:
                    time.sleep(latency)
                super().do_POST()

        Handler.receiver = self
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._server.request_queue_size = 128
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self


# ----- CPU time of processes (load-independent cost: the machine is shared) ------------------------------

_TICK = os.sysconf("SC_CLK_TCK")


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        with contextlib.suppress(OSError):
            todo.extend(int(c) for c in Path(f"/proc/{p}/task/{p}/children").read_text().split())
    return out


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds each live process has used so far."""
    out = {}
    for pid in pids:
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            out[pid] = (int(fields[11]) + int(fields[12])) / _TICK
    return out


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU between two samples; a process that appeared in between counts whole (it started in between)."""
    return sum(t - before.get(pid, 0.0) for pid, t in after.items())


# ----- the bridge's processes ---------------------------------------------------------------------------

WEBHOOK_SECRET = "whsec_" + "c2NhbGUtb3V0LXRlc3Qtc2VjcmV0LTAxMjM0NTY3"


@dataclass
class Stack:
    """N of each bridge process; ``url`` is the one port the web processes share."""
    n: int
    url: str
    processes: dict[str, subprocess.Popen]
    logdir: Path

    def check_alive(self) -> None:
        dead = {name: p.returncode for name, p in self.processes.items() if p.poll() is not None}
        if dead:
            raise AssertionError(f"bridge processes exited: {dead}; logs in {self.logdir}: {self.tails()}")

    def tails(self, chars: int = 1500) -> str:
        return "\n".join(f"--- {name}\n{(self.logdir / f'{name}.log').read_text()[-chars:]}"
                         for name in self.processes)

    def web_pids(self) -> set[int]:
        """The web worker processes (uvicorn's supervisor spawns them; its resource tracker is not one).
        With one worker uvicorn serves in the process it was started in."""
        parent = self.processes["web"].pid
        if self.n == 1:
            return {parent}
        children = Path(f"/proc/{parent}/task/{parent}/children")
        pids = set()
        for pid in (children.read_text().split() if children.exists() else ()):
            with contextlib.suppress(OSError):
                if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    pids.add(int(pid))
        return pids

    def pids(self) -> list[int]:
        return [pid for p in self.processes.values() for pid in process_tree(p.pid)]

    def stop(self) -> None:
        for p in self.processes.values():
            if p.poll() is None:
                p.terminate()
        for p in self.processes.values():
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=10)


def bridge_env(database_url: str, odoo_url: str, odoo_db: str, odoo_key: str, *, public_url: str,
               twilio_api: str, receiver_url: str, media_dir: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ODOO_", "TWILIO_", "EVENT_", "PINECONE_"))}
    env.update(
        DATABASE_URL=database_url, ODOO_URL=odoo_url, ODOO_DB=odoo_db, ODOO_API_KEY=odoo_key,
        TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_AUTH_TOKEN=AUTH_TOKEN, TWILIO_WHATSAPP_FROM="whatsapp:+14155238886",
        PUBLIC_BASE_URL=public_url, POSTVENTA_TEST_TWILIO_API_URL=twilio_api, MEDIA_ALLOW_LOOPBACK="1",
        MEDIA_DIR=media_dir, MEDIA_PROCESSING="queue", EVENT_WEBHOOK_URL=receiver_url,
        EVENT_WEBHOOK_SECRET=WEBHOOK_SECRET, RAG_EMBEDDER="none", PYTHONUNBUFFERED="1",
    )
    return env


def start_stack(n: int, env: dict[str, str], port: int, logdir: Path) -> Stack:
    """``serve --workers n`` on ``port`` plus n media workers, n dispatchers and n sync runners."""
    logdir.mkdir(parents=True, exist_ok=True)
    py = [sys.executable, "-m", "bridge", "--log-level", "WARNING"]
    commands = {"web": [*py, "serve", "--workers", str(n), "--port", str(port), "--no-migrate", "--no-access-log"]}
    for i in range(n):
        commands[f"media{i}"] = [*py, "media-worker", "--worker-id", f"scale-media-{i}", "--poll-interval", "0.2"]
        commands[f"dispatch{i}"] = [*py, "dispatch-events", "--interval", "0.3"]
        commands[f"sync{i}"] = [*py, "sync", "--interval", "0.5", "--quiet"]
    processes = {}
    for name, command in commands.items():
        log = (logdir / f"{name}.log").open("w")
        processes[name] = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    stack = Stack(n, f"http://127.0.0.1:{port}", processes, logdir)
    deadline = time.monotonic() + 240  # eight Python processes importing at once on a shared 2-core box
    while True:
        stack.check_alive()
        try:
            if httpx.get(f"{stack.url}/healthz", timeout=10).status_code < 500 and len(stack.web_pids()) >= n:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            stack.stop()
            raise RuntimeError(f"the web processes did not start: {stack.tails()}")
        time.sleep(0.2)
    return stack


# ----- the workload -------------------------------------------------------------------------------------

@dataclass
class Load:
    sids: set[str] = field(default_factory=set)  # distinct MessageSids sent
    posts: int = 0  # requests, redeliveries included
    redelivered: int = 0  # one after the other
    concurrent: int = 0  # two copies at the same time
    duplicate_answers: int = 0  # empty TwiML (the webhook recognised a redelivery)
    contacts: list[str] = field(default_factory=list)
    media: int = 0
    errors: list[str] = field(default_factory=list)
    transport_retries: list[str] = field(default_factory=list)  # connection failures, sent again
    seconds: float = 0.0


def contact_number(run: str, i: int) -> str:
    return f"whatsapp:+52155{run}{i:04d}"


def drive(url: str, fake: fake_twilio.FakeTwilio, *, customers: int, concurrency: int, redeliver: float,
          concurrent_redeliver: float, seed: int = 7, run: str | None = None) -> Load:
    """Every customer runs the script then sends the photos, one message after the answer to the previous
    one (as a phone does); customers in parallel. Signed like Twilio, over PUBLIC_BASE_URL = ``url``."""
    run = run or f"{random.Random().randrange(1000):03d}"
    load = Load()
    lock = threading.Lock()
    validator = RequestValidator(AUTH_TOKEN)
    endpoint = url + "/twilio/whatsapp"
    rng = random.Random(seed)
    plans = [[rng.random() for _ in range(len(SCRIPT) + PHOTOS + 3)] for _ in range(customers)]

    def post(client: httpx.Client, params: dict[str, str]) -> httpx.Response:
        """Like Twilio: a request whose connection failed (a keep-alive connection the server was closing,
        a web process being replaced) is sent again with the same MessageSid."""
        signature = validator.compute_signature(endpoint, params)
        for attempt in range(3):
            try:
                return client.post(endpoint, data=params, headers={"X-Twilio-Signature": signature})
            except httpx.TransportError as exc:
                with lock:
                    load.transport_retries.append(f"{type(exc).__name__}: {exc}")
                if attempt == 2:
                    raise
                time.sleep(0.2)
        raise AssertionError("unreachable")

    def check(response: httpx.Response, what: str) -> None:
        with lock:
            load.posts += 1
            if response.status_code != 200:
                load.errors.append(f"{what}: {response.status_code} {response.text[:200]}")
            elif "<Message>" not in response.text and "<Message " not in response.text:
                load.duplicate_answers += 1

    def say(client: httpx.Client, twin: ThreadPoolExecutor, sender: str, text: str, media: list, draw: float,
            step: int) -> list[str]:
        """One message as Twilio delivers it (maybe twice); the replies of the copy that was not a redelivery."""
        params = webhook_params(sender, text, media=media)
        with lock:
            load.sids.add(params["MessageSid"])
            load.media += len(media)
        if draw < concurrent_redeliver:  # Twilio retrying while the first copy is still in flight
            copies = [twin.submit(post, client, params), twin.submit(post, client, params)]
            responses = [future.result() for future in copies]
            with lock:
                load.concurrent += 1
        else:
            responses = [post(client, params)]
            if draw < concurrent_redeliver + redeliver:  # a redelivery after the answer
                responses.append(post(client, params))
                with lock:
                    load.redelivered += 1
        answers = []
        for response in responses:
            check(response, f"{sender} step {step}")
            if response.status_code == 200:
                answers.extend(replies(response))
        return answers

    def sent_to(sender: str) -> list[str]:
        with fake.lock:
            return [m.get("Body", "") for m in fake.messages if m.get("To") == sender]

    def expect(sender: str, before: int, answer: list[str], pattern: str) -> str:
        """The bridge's answer to the last message: TwiML when it answers inline, else the messages it sends
        through Twilio's API (a queued conversation), waited for until ``pattern`` shows up."""
        deadline = time.monotonic() + 60
        while True:
            text = "\n".join([*answer, *sent_to(sender)[before:]])
            if re.search(pattern, text) or time.monotonic() > deadline:
                return text
            time.sleep(0.1)

    def customer(i: int) -> None:
        """The intake as in tests/test_e2e_loop.py: pick the alternator fault from the menu when it is not
        the first guess, confirm, then the two photos (kept on the case whatever the step)."""
        sender = contact_number(run, i)
        draws = iter(plans[i])

        def draw() -> float:
            return next(draws, 1.0)

        with httpx.Client(timeout=60) as client, ThreadPoolExecutor(max_workers=2) as twin:
            for step, text in enumerate(SCRIPT[:-1]):
                say(client, twin, sender, text, [], draw(), step)
            before = len(sent_to(sender))
            answer = say(client, twin, sender, SCRIPT[-1], [], draw(), len(SCRIPT) - 1)
            joined = expect(sender, before, answer, r"Entiendo que se trata de|Responde con el número|necesito")
            if "Alternador no carga" not in joined:
                before = len(sent_to(sender))
                menu = expect(sender, before, say(client, twin, sender, "no", [], draw(), 10), r"Responde con el n")
                choice = re.findall(r"^(\d+)\. Alternador no carga$", menu, re.M)
                before = len(sent_to(sender))
                answer = say(client, twin, sender, choice[0] if choice else "1", [], draw(), 11)
                joined = expect(sender, before, answer, r"¿Es correcto|necesito|foto")
            if "foto" not in joined:
                say(client, twin, sender, "Sí", [], draw(), 12)
            for k in range(PHOTOS):
                data = JPEG + f"{run}:{i}:{k}".encode() * 8
                say(client, twin, sender, "", [(fake.add_media(data, "image/jpeg"), "image/jpeg")], draw(), 20 + k)
        with lock:
            load.contacts.append(sender)

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(customer, range(customers)))
    load.seconds = time.monotonic() - started
    return load


# ----- waiting for the pipeline, and the audit ----------------------------------------------------------

def q(database_url: str, sql: str, *args) -> list[dict]:
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        return conn.execute(sql, args).fetchall()


def staff(odoo_url: str, odoo_db: str, staff_key: str) -> OdooClient:
    return OdooClient(Settings(database_url="postgresql://unused/x", odoo_url=odoo_url, odoo_db=odoo_db,
                               odoo_api_key=staff_key), retries=1)


def odoo_events_since(odoo: OdooClient, since: datetime) -> list[dict]:
    return odoo.call("postventa.event", "search_read",
                     domain=[["create_date", ">=", since.strftime("%Y-%m-%d %H:%M:%S")]],
                     fields=["event_uuid", "state", "subject"])


def pending(database_url: str, load: Load, odoo: OdooClient, since: datetime) -> dict[str, int]:
    """What is not finished yet (all zero = settled)."""
    (row,) = q(database_url, """
        SELECT (SELECT count(*) FROM wa_inbound WHERE message_sid = ANY(%s)) AS inbound,
               (SELECT count(*) FROM wa_jobs WHERE state IN ('queued', 'running')) AS jobs,
               (SELECT count(*) FROM cases WHERE odoo_pushed_rev IS DISTINCT FROM intake_rev
                                              AND odoo_sync_error IS NULL) AS dirty_cases,
               (SELECT count(*) FROM case_attachments WHERE odoo_synced_at IS NULL
                                                        AND odoo_sync_error IS NULL) AS unsynced_attachments,
               (SELECT count(*) FROM event_deliveries WHERE state IN ('pending', 'failed')) AS undelivered,
               (SELECT count(*) FROM wa_outbox WHERE state IN ('pending', 'sending')) AS unsent,
               (SELECT count(*) FROM events e WHERE e.type = ANY(%s) AND NOT EXISTS
                   (SELECT 1 FROM wa_event_handled h WHERE h.event_id = e.id)) AS outcomes_unhandled,
               (SELECT array_agg(id::text) FROM events) AS event_ids""", list(load.sids), list(outcomes.TYPES))
    neon_events = set(row.pop("event_ids") or [])
    row["inbound"] = len(load.sids) - row["inbound"]
    if q(database_url, "SELECT 1 FROM information_schema.columns WHERE table_name = 'wa_inbound' "
                       "AND column_name = 'processed_at'"):  # a queued conversation: stored is not yet processed
        row["inbound"] += q(database_url, "SELECT count(*) AS n FROM wa_inbound WHERE message_sid = ANY(%s) "
                                          "AND processed_at IS NULL", list(load.sids))[0]["n"]
    odoo_ids = {e["event_uuid"] for e in odoo_events_since(odoo, since)}
    row["odoo_events_not_pulled"] = len(odoo_ids - neon_events)
    return row


def settle(database_url: str, load: Load, odoo: OdooClient, since: datetime, stack: Stack, *,
           timeout: float = 600, quiet_polls: int = 3, poll: float = 0.5) -> tuple[float, dict]:
    """Poll until nothing is pending for ``quiet_polls`` polls in a row (the sync's pull and the outcome
    notifier can still create work after a quiet moment). Returns (seconds until the first of those
    quiet polls, the last state)."""
    started, quiet_since, streak, state = time.monotonic(), None, 0, {}
    while time.monotonic() - started < timeout:
        stack.check_alive()
        state = pending(database_url, load, odoo, since)
        if not any(state.values()):
            quiet_since = quiet_since or time.monotonic()
            streak += 1
            if streak >= quiet_polls:
                return quiet_since - started, state
        else:
            quiet_since, streak = None, 0
        time.sleep(poll)
    raise AssertionError(f"not settled after {timeout:.0f} s: {state}\n{stack.tails()}")


@dataclass
class Audit:
    inbound: int
    inbound_duplicates: int
    jobs: int
    jobs_not_done: list
    attachments: int
    media_received: int
    cases: int
    odoo_cases: int
    odoo_duplicates: list
    odoo_attachments: int
    odoo_attachment_duplicates: list
    attachments_missing_in_odoo: list
    cases_missing_in_odoo: list
    events: int
    odoo_events: int
    odoo_events_missing: list
    deliveries: int
    delivered_twice: list
    never_delivered: list
    order_violations: list
    messages_sent: int
    outbox_sent: int
    messages_sent_twice: list

    def problems(self) -> list[str]:
        out = []
        if self.inbound_duplicates:
            out.append(f"{self.inbound_duplicates} inbound messages processed more than once")
        if self.jobs_not_done:
            out.append(f"media jobs not done exactly once: {self.jobs_not_done[:5]}")
        if self.attachments != self.media_received:
            out.append(f"{self.attachments} attachments for {self.media_received} photos")
        for name in ("odoo_duplicates", "odoo_attachment_duplicates", "attachments_missing_in_odoo",
                     "cases_missing_in_odoo", "odoo_events_missing", "delivered_twice", "never_delivered",
                     "order_violations", "messages_sent_twice"):
            if getattr(self, name):
                out.append(f"{name}: {getattr(self, name)[:5]}")
        if self.odoo_cases != self.cases:
            out.append(f"{self.odoo_cases} Odoo cases for {self.cases} Neon cases")
        if self.messages_sent != self.outbox_sent:
            out.append(f"{self.messages_sent} messages at Twilio for {self.outbox_sent} sent in the outbox")
        return out


def audit(database_url: str, load: Load, odoo: OdooClient, since: datetime, rec: receiver.Receiver,
          fake: fake_twilio.FakeTwilio) -> Audit:
    sids = list(load.sids)
    inbound = q(database_url, "SELECT message_sid, reply FROM wa_inbound WHERE message_sid = ANY(%s)", sids)
    # Processed once: one row per MessageSid (primary key), and the customer's effects once: each media
    # message made exactly one job, each job one attachment.
    jobs = q(database_url, "SELECT id, dedupe_key, state, attempts, result FROM wa_jobs WHERE kind = 'media'")
    per_sid = Counter(j["dedupe_key"].split(":")[1] for j in jobs)
    attachments = q(database_url, "SELECT id, case_id, sha256 FROM case_attachments")
    cases = q(database_url, "SELECT id, odoo_id FROM cases WHERE contact_id = ANY(%s)", load.contacts)
    neon_ids = [c["id"] for c in cases]
    rows = odoo.call("postventa.case", "search_read", domain=[["neon_id", "in", neon_ids]],
                     fields=["neon_id", "attachment_count"])
    per_neon = Counter(r["neon_id"] for r in rows)
    # Attachments in Odoo: once per (case, sha256), as many as Neon holds for the case.
    neon_files = Counter(a["case_id"] for a in attachments)
    odoo_by_id = {r["id"]: r["neon_id"] for r in rows}
    odoo_files = odoo.call("ir.attachment", "search_read",
                           domain=[["res_model", "=", "postventa.case"], ["res_id", "in", list(odoo_by_id)]],
                           fields=["res_id", "postventa_sha256"])
    per_file = Counter((odoo_by_id[a["res_id"]], a["postventa_sha256"]) for a in odoo_files)
    odoo_events = odoo_events_since(odoo, since)
    events = q(database_url, "SELECT e.id::text AS id, e.ordering_key, d.seq, d.state FROM events e "
                             "JOIN event_deliveries d ON d.event_id = e.id ORDER BY d.seq")
    event_ids = {e["id"] for e in events}
    with rec.lock:
        accepted = [env["id"] for env in rec.accepted]
    seen = Counter(accepted)
    key_of = {e["id"]: e["ordering_key"] for e in events}
    seq_of = {e["id"]: e["seq"] for e in events}
    arrival: dict[str, list[str]] = defaultdict(list)
    for event_id in accepted:
        if key_of.get(event_id):
            arrival[key_of[event_id]].append(event_id)
    order_violations = [key for key, ids in arrival.items()
                        if [seq_of[i] for i in ids] != sorted(seq_of[i] for i in ids)]
    outbox = q(database_url, "SELECT twilio_sid FROM wa_outbox WHERE state = 'sent'")
    with fake.lock:
        messages = list(fake.messages)
    bodies = Counter((m["To"], m.get("Body")) for m in messages)
    outbox_keys = q(database_url, "SELECT contact_id, body, count(*) AS n FROM wa_outbox WHERE state = 'sent' "
                                  "GROUP BY contact_id, body")
    expected = {(r["contact_id"], r["body"]): r["n"] for r in outbox_keys}
    return Audit(
        inbound=len(inbound),
        inbound_duplicates=len(inbound) - len({r["message_sid"] for r in inbound}),
        jobs=len(jobs),
        jobs_not_done=[j["id"] for j in jobs if j["state"] != "done"]
        + [sid for sid, n in per_sid.items() if n != 1],
        attachments=len(attachments),
        media_received=load.media,
        cases=len(cases),
        odoo_cases=len(rows),
        odoo_duplicates=[n for n, k in per_neon.items() if k > 1],
        odoo_attachments=len(odoo_files),
        odoo_attachment_duplicates=[key for key, k in per_file.items() if k > 1],
        attachments_missing_in_odoo=[c for c, k in neon_files.items()
                                     if k != sum(1 for (neon, _sha) in per_file if neon == c)],
        cases_missing_in_odoo=[c["id"] for c in cases if c["id"] not in per_neon or not c["odoo_id"]],
        events=len(events),
        odoo_events=len(odoo_events),
        odoo_events_missing=[e["event_uuid"] for e in odoo_events if e["event_uuid"] not in event_ids],
        deliveries=len(accepted),
        delivered_twice=[i for i, n in seen.items() if n > 1],
        never_delivered=[e["id"] for e in events if seen[e["id"]] == 0],
        order_violations=order_violations,
        messages_sent=len(messages),
        outbox_sent=len(outbox),
        messages_sent_twice=[k for k, n in bodies.items() if n > expected.get(k, 0)],
    )


# ----- one whole run ------------------------------------------------------------------------------------

@dataclass
class RunResult:
    n: int
    load: Load
    settle_s: float  # from the first webhook until everything was done
    audit: Audit
    loadavg_before: tuple[float, float, float]
    loadavg_after: tuple[float, float, float]
    web_pids: int
    cpu_bridge_s: float = 0.0  # CPU of the bridge's processes during the run
    cpu_odoo_s: float = 0.0  # of the Odoo server's processes (when its pid is given)
    cpu_harness_s: float = 0.0  # of this process: the customers, the Twilio stand-in, the receiver

    @property
    def cpu_per_conversation(self) -> float:
        return (self.cpu_bridge_s + self.cpu_odoo_s) / len(self.load.contacts)

    @property
    def throughput(self) -> float:
        """Customers' conversations taken from the first webhook to delivered events, per second."""
        return len(self.load.contacts) / self.settle_s


def run_scenario(n: int, *, database_url: str, odoo_url: str, odoo_db: str, bridge_key: str, staff_key: str,
                 workdir: Path, customers: int, concurrency: int, redeliver: float = 0.1,
                 concurrent_redeliver: float = 0.1, media_latency_s: float = 0.3, receiver_latency_s: float = 0.05,
                 timeout: float = 600, odoo_pid: int | None = None) -> RunResult:
    """Start the outside stand-ins and n of each bridge process, drive the load, wait, audit, stop."""
    fake = start_twilio(media_latency_s)
    rec = SlowReceiver(receiver_latency_s).start()
    port = free_port()
    env = bridge_env(database_url, odoo_url, odoo_db, bridge_key, public_url=f"http://127.0.0.1:{port}",
                     twilio_api=fake.api_url, receiver_url=rec.url, media_dir=str(workdir / f"media-{n}"))
    stack = None
    try:
        with staff(odoo_url, odoo_db, staff_key) as odoo:
            # Let the sync runners bring the fault catalog before the first customer writes.
            stack = start_stack(n, env, port, workdir / f"logs-{n}-{uuid.uuid4().hex[:6]}")
            deadline = time.monotonic() + 120
            while not q(database_url, "SELECT 1 FROM fault_catalog LIMIT 1"):
                stack.check_alive()
                if time.monotonic() > deadline:
                    raise AssertionError(f"no fault catalog from Odoo: {stack.tails()}")
                time.sleep(0.3)
            since = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1)
            before = os.getloadavg()
            odoo_cpu = cpu_seconds(process_tree(odoo_pid)) if odoo_pid else {}
            bridge_cpu, harness_cpu = cpu_seconds(stack.pids()), time.process_time()
            load = drive(stack.url, fake, customers=customers, concurrency=concurrency, redeliver=redeliver,
                         concurrent_redeliver=concurrent_redeliver)
            assert not load.errors, load.errors[:5]
            wait_s, _state = settle(database_url, load, odoo, since, stack, timeout=timeout)
            # The confirming quiet polls are not counted: the run ends at the first of them.
            settled_s = load.seconds + wait_s
            cpu_bridge = cpu_used(bridge_cpu, cpu_seconds(stack.pids()))
            cpu_odoo = cpu_used(odoo_cpu, cpu_seconds(process_tree(odoo_pid))) if odoo_pid else 0.0
            cpu_harness = time.process_time() - harness_cpu
            after = os.getloadavg()
            web = len(stack.web_pids())
            result = audit(database_url, load, odoo, since, rec, fake)
        return RunResult(n, load, settled_s, result, before, after, web, cpu_bridge, cpu_odoo, cpu_harness)
    finally:
        if stack is not None:
            stack.stop()
        rec.stop()
        with contextlib.suppress(Exception):
            fake.close()
