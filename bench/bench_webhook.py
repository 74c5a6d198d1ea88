"""Webhook benchmark: the ack as one INSERT (queue) vs the same ack on the slower server stack (queue-h11)
and the previous ack (the conversation in one transaction before answering), each on a quiet machine and
beside a CPU-bound process, plus the naive design.

    .venv/bin/python bench/bench_webhook.py [--rate 200] [--duration 10] [--dup 0.10] [--media 0.1]
                                            [--designs queue,queue-h11,previous,naive] [--no-hog]

Every design runs the real bridge app under real uvicorn on loopback, on its own fresh database, one
after the other in the same run. Customers send signed requests (open loop at ``--rate`` requests/s);
``--dup`` of them are redeliveries of an earlier MessageSid; ``--media`` carry a photo served by a
local "Twilio media host" that takes ``--media-latency-ms`` to answer. One media worker process
(4 job threads + the inbound thread) drains the queue meanwhile on the same CPUs and sends the outbox.

- queue: ``POST /twilio/whatsapp`` as shipped, under ``python -m bridge serve`` (uvloop + httptools): one
  ``INSERT … ON CONFLICT DO NOTHING`` and an empty TwiML; the worker's inbound thread runs the
  conversation and queues the replies.
- queue-h11: the same app and command with ``--loop asyncio --http h11`` (uvicorn without its fast parts).
- previous: the same app with a route doing what the webhook did before: store, lock the contact,
  run the conversation and write its effects in one transaction, reply in the TwiML.
- naive (``--designs`` includes it): the message handled, the media downloaded and stored and the
  outbox sent through Twilio's REST API, all before answering.
- "+ CPU hog": the same, with ``python -c 'while True: pass'`` running beside it (one core busy, as a
  working Odoo on the same machine).

One web process each, no access log. Prints for each: throughput; latency p50/p99/max as the load
generator saw it and as the server measured it (its ``Server-Timing`` header: from the request reaching
the app to the answer); how late the load generator itself sent (its own scheduling delay, which counts
in what it sees); the CPU and the time spent runnable but waiting for a CPU (Linux schedstat) of the web
process, the media worker, this database's Postgres backends and the load generator; the load average
at start and end; the conversations still unprocessed when the load ends and how long the worker took
to catch up, and whether every message was conversed exactly once.
Needs Postgres (TEST_PG_ADMIN_URL, default postgresql://127.0.0.1:5432/postgres).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ACCOUNT_SID = "AC" + "b" * 32
AUTH_TOKEN = "bench-auth-token"
ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://127.0.0.1:5432/postgres")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + os.urandom(20_000) + b"\xff\xd9"
SCRIPT = ["Hola", "JTDKB20U993456789", "45,000 km", "rechinan los frenos al frenar", "sí"]


# --- the local Twilio (media host + Messages API), run as its own process ----------------------------
def serve_fake(port: int, latency_ms: float) -> None:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            return

        def _send(self, status, content_type, data):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            time.sleep(latency_ms / 1000)
            self._send(200, "image/jpeg", JPEG[:-20] + os.urandom(16) + JPEG[-4:])

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            time.sleep(latency_ms / 1000)
            sid = "SM" + uuid.uuid4().hex
            self._send(201, "application/json", json.dumps({"sid": sid, "status": "queued"}).encode())

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.serve_forever()


# --- the naive design: the shipped app plus a route that works before answering --------------------
def naive_app():
    from bridge import db
    from bridge.api.twilio import twiml
    from bridge.app import create_app
    from bridge.whatsapp import inbound, media_worker, outbox, signature

    app = create_app()
    settings = app.state.settings
    client = outbox.make_client(settings)

    def work(pool, params):
        with pool.connection() as conn:
            result = inbound.handle(conn, params)
        with db.connect(settings.database_url, autocommit=True) as conn:
            worker = media_worker.Worker(settings, worker_id="naive")
            while worker.run_one(conn):
                pass
            outbox.send_pending(conn, settings, client)
        return result

    def previous(pool, params):
        with pool.connection() as conn:
            return inbound.handle(conn, params)

    @app.post("/previous/whatsapp")
    async def previous_route(request: Request) -> Response:
        from urllib.parse import parse_qsl

        params = signature.FormParams(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        url = signature.signed_url(settings, request.url.path, "")
        if not signature.is_valid(AUTH_TOKEN, url, params, request.headers.get(signature.SIGNATURE_HEADER, "")):
            return PlainTextResponse("bad signature", status_code=403)
        result = await run_in_threadpool(previous, request.app.state.pool, dict(params))
        return twiml([] if result.duplicate else result.replies)

    @app.post("/naive/whatsapp")
    async def naive(request: Request) -> Response:
        from urllib.parse import parse_qsl

        params = signature.FormParams(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        url = signature.signed_url(settings, request.url.path, "")
        if not signature.is_valid(AUTH_TOKEN, url, params, request.headers.get(signature.SIGNATURE_HEADER, "")):
            return PlainTextResponse("bad signature", status_code=403)
        result = await run_in_threadpool(work, request.app.state.pool, dict(params))
        return twiml([] if result.duplicate else result.replies)

    return app


# --- orchestration ------------------------------------------------------------------------------------
def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_db() -> str:
    import psycopg

    from bridge.migrate import migrate

    name = f"pv_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = ADMIN_URL.rpartition("/")[0] + "/" + name
    migrate(url)
    with psycopg.connect(url) as conn:
        conn.execute("INSERT INTO fault_catalog (code, name, system, symptoms, required_evidence) VALUES "
                     "('FRN-001', 'Ruido o rechinido en frenos', 'frenos', 'rechinan frenos', "
                     "'[\"odometer_photo\", \"noise_video\", \"damage_photo\"]')")
    return url


def drop_db(url: str) -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{url.rpartition("/")[2]}" WITH (FORCE)')


def wait_http(url: str, timeout: float = 30) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def build_requests(n: int, dup: float, media: float, media_base: str, path: str, public: str, seed: int):
    """(params, signature) per request; customers walk the script, some send photos, some repeat."""
    from bridge.whatsapp.signature import sign

    rng = random.Random(seed)
    customers = [f"whatsapp:+52155{i:08d}" for i in range(max(20, n // 8))]
    progress = dict.fromkeys(customers, 0)
    sent: list[tuple[dict, str]] = []
    out = []
    for _ in range(n):
        if sent and rng.random() < dup:
            out.append(rng.choice(sent[-50:]))
            continue
        who = rng.choice(customers)
        step = progress[who]
        progress[who] += 1
        params = {"MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": ACCOUNT_SID, "From": who,
                  "To": "whatsapp:+14155238886", "NumMedia": "0", "Body": "", "ProfileName": "Cliente"}
        if step >= len(SCRIPT) or rng.random() < media:
            params.update(NumMedia="1", MediaUrl0=f"{media_base}/media/{uuid.uuid4().hex}",
                          MediaContentType0="image/jpeg")
        else:
            params["Body"] = SCRIPT[step]
        item = (params, sign(AUTH_TOKEN, public + path, params))
        sent.append(item)
        out.append(item)
    return out


def encode(host: str, path: str, params: dict, sig: str) -> bytes:
    """One pre-encoded HTTP/1.1 request (the load generator must stay cheaper than the server)."""
    body = urlencode(params).encode()
    head = (f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            f"X-Twilio-Signature: {sig}\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes) -> tuple[int, float | None]:
    """Status and the server's own time for the request (``Server-Timing: app;dur=<ms>``, if sent)."""
    writer.write(raw)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length, server_ms = 0, None
    for line in head.split(b"\r\n"):
        lower = line.lower()
        if lower.startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
        elif lower.startswith(b"server-timing:") and b"dur=" in lower:
            server_ms = float(lower.split(b"dur=", 1)[1].split(b",", 1)[0].split(b";", 1)[0])
    await reader.readexactly(length)
    return status, server_ms


async def load(port: int, path: str, requests, rate: float) -> dict:
    """Open loop: request i leaves at t0 + i/rate on a free keep-alive connection (or a new one)."""
    raws = [encode(f"127.0.0.1:{port}", path, params, sig) for params, sig in requests]
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    latencies: list[float] = []
    server: list[float] = []
    late: list[float] = []
    statuses: dict[int, int] = {}

    async def one(raw: bytes, due: float) -> None:
        start = time.perf_counter()
        late.append(start - due)  # how late the load generator itself got round to sending it
        status = 0
        for attempt in range(2):  # a reused keep-alive connection may have been closed by the server:
            reused = bool(idle) and attempt == 0  # retry once, on a new connection
            try:
                conn = idle.pop() if reused else await asyncio.open_connection("127.0.0.1", port)
                status, server_ms = await asyncio.wait_for(_exchange(*conn, raw), timeout=30)
                if server_ms is not None:
                    server.append(server_ms)
                idle.append(conn)
                break
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
                if reused:
                    conn[1].close()
                    continue
                break
        statuses[status] = statuses.get(status, 0) + 1
        latencies.append(time.perf_counter() - start)

    t0 = time.perf_counter()
    tasks = []
    for i, raw in enumerate(raws):
        due = t0 + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(raw, due)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - t0
    for _, writer in idle:
        writer.close()
    server.sort()
    return {"n": len(raws), "elapsed": elapsed, "throughput": len(raws) / elapsed, "statuses": statuses,
            **percentiles("", [x * 1000 for x in latencies]), **percentiles("server_", server),
            **percentiles("late_", [x * 1000 for x in late])}


def percentiles(prefix: str, values: list[float]) -> dict:
    if not values:
        return {}
    values = sorted(values)
    return {prefix + "p50": statistics.median(values), prefix + "p99": values[max(0, int(len(values) * 0.99) - 1)],
            prefix + "max": values[-1]}


ROUTES = {"queue": "/twilio/whatsapp", "queue-h11": "/twilio/whatsapp", "previous": "/previous/whatsapp",
          "naive": "/naive/whatsapp"}


def run_design(name: str, args, fake_port: int) -> dict:
    design, hog = name.split(" + ")[0], name.endswith("CPU hog")
    url = make_db()
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    media_dir = tempfile.mkdtemp(prefix=f"pv-bench-{name}-")
    env = {**os.environ, "DATABASE_URL": url, "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
           "TWILIO_WHATSAPP_FROM": "+14155238886", "PUBLIC_BASE_URL": public, "MEDIA_DIR": media_dir,
           "MEDIA_PROCESSING": "queue", "MEDIA_ALLOW_LOOPBACK": "1",
           "POSTVENTA_TEST_TWILIO_API_URL": f"http://127.0.0.1:{fake_port}", "RAG_EMBEDDER": "none",
           "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}
    path = ROUTES[design]
    if design.startswith("queue"):  # the shipped command; "queue-h11" as before uvloop/httptools
        server_cmd = [sys.executable, "-m", "bridge", "--log-level", "WARNING", "serve", "--port", str(port),
                      "--no-access-log", "--no-migrate"]
        server_cmd += ["--loop", "asyncio", "--http", "h11"] if design == "queue-h11" else []
    else:
        server_cmd = [sys.executable, "-m", "uvicorn", "--factory", "bench.bench_webhook:naive_app", "--port",
                      str(port), "--log-level", "warning", "--no-access-log"]
    worker_cmd = [sys.executable, "-m", "bridge", "--log-level", "WARNING", "media-worker", "--poll-interval", "0.2"]
    procs = [subprocess.Popen(server_cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)]
    if design != "naive":
        procs.append(subprocess.Popen(worker_cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL))
    if hog:
        procs.append(subprocess.Popen([sys.executable, "-c", "while True: pass"]))
    try:
        wait_http(f"{public}/healthz")
        requests = build_requests(int(args.rate * args.duration), args.dup, args.media,
                                  f"http://127.0.0.1:{fake_port}", path, public, seed=7)
        warm = build_requests(20, 0, 0, f"http://127.0.0.1:{fake_port}", path, public, seed=99)
        asyncio.run(load(port, path, warm, 20))
        load_avg = os.getloadavg()[0]
        watched = {"web": [procs[0].pid]}
        if design != "naive":
            watched["worker"] = [procs[1].pid]
        watched["postgres"] = backend_pids(url)  # this database's backends (the ack's, the worker's)
        watched["load generator"] = [os.getpid()]
        cpu_before = {pid: cpu_seconds(pid) for pids in watched.values() for pid in pids}
        wait_before = {pid: runqueue_wait_s(pid) for pids in watched.values() for pid in pids}
        result = asyncio.run(load(port, path, requests, args.rate))
        result["load"] = load_avg
        result["load_end"] = os.getloadavg()[0]
        watched["postgres"] = sorted(set(watched["postgres"]) | set(backend_pids(url)))  # opened during the load
        result["cpu"] = {who: sum(cpu_seconds(pid) - cpu_before.get(pid, 0.0) for pid in pids)
                         for who, pids in watched.items()}
        result["wait"] = {who: sum(runqueue_wait_s(pid) - wait_before.get(pid, 0.0) for pid in pids)
                          for who, pids in watched.items()}
        if hog:
            procs[-1].kill()
        if design != "naive":
            result["pending"] = pending_inbound(url)
            result["drain_s"] = wait_drained(url, timeout=180)
            result["dup_check"] = exactly_once(url)
        return result
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        drop_db(url)


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (Linux /proc), 0 elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def backend_pids(url: str) -> list[int]:
    """Postgres backends serving the benchmark's database, but for the one asking."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return [row[0] for row in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")]


def runqueue_wait_s(pid: int) -> float:
    """Seconds the threads of a process spent runnable but waiting for a CPU (Linux schedstat), 0 elsewhere."""
    total = 0
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            try:
                total += int((task / "schedstat").read_text().split()[1])
            except (OSError, IndexError, ValueError):
                continue
    except OSError:
        return 0.0
    return total / 1e9


def pending_inbound(url: str) -> int:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute("SELECT count(*) FROM wa_inbound WHERE processed_at IS NULL").fetchone()[0]


def exactly_once(url: str) -> str:
    """Every stored message conversed once: one wa_inbound row per MessageSid (primary key), and no
    MessageSid with two sets of replies or jobs."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        stored, processed = conn.execute(
            "SELECT count(*), count(processed_at) FROM wa_inbound").fetchone()
        twice = conn.execute("SELECT count(*) FROM (SELECT payload->>'message_sid' AS sid, payload->>'index' AS i "
                             "FROM wa_jobs GROUP BY 1, 2 HAVING count(*) > 1) x").fetchone()[0]
    return f"{stored} stored, {processed} processed, {twice} media twice"


def wait_drained(url: str, timeout: float) -> float | None:
    import psycopg

    start = time.monotonic()
    with psycopg.connect(url, autocommit=True) as conn:
        while time.monotonic() - start < timeout:
            busy = conn.execute("SELECT (SELECT count(*) FROM wa_jobs WHERE state IN ('queued', 'running')) "
                                "+ (SELECT count(*) FROM wa_inbound WHERE processed_at IS NULL)").fetchone()[0]
            if not busy:
                return time.monotonic() - start
            time.sleep(0.2)
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load per design")
    parser.add_argument("--dup", type=float, default=0.10, help="share of redeliveries")
    parser.add_argument("--media", type=float, default=0.10, help="share of messages with a photo")
    parser.add_argument("--designs", default="queue,queue-h11,previous",
                        help="comma-separated: queue, queue-h11, previous, naive")
    parser.add_argument("--no-hog", action="store_true", help="skip the runs beside a CPU-bound process")
    parser.add_argument("--media-latency-ms", type=float, default=150.0, help="Twilio media/API answer time")
    parser.add_argument("--serve-fake", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_fake:
        serve_fake(args.serve_fake, args.media_latency_ms)
        return 0
    fake_port = free_port()
    fake = subprocess.Popen([sys.executable, __file__, "--serve-fake", str(fake_port), "--media-latency-ms",
                             str(args.media_latency_ms)], cwd=ROOT)
    try:
        wait_http(f"http://127.0.0.1:{fake_port}/media/x")
        print(f"load: {args.rate:.0f} req/s for {args.duration:.0f} s per design, {args.dup:.0%} duplicates, "
              f"{args.media:.0%} with a photo, Twilio answers in {args.media_latency_ms:.0f} ms; "
              f"{os.cpu_count()} CPUs, loopback, uvicorn 1 process, media worker beside it", flush=True)
        names = [d.strip() for d in args.designs.split(",") if d.strip()]
        names += [] if args.no_hog else [f"{d} + CPU hog" for d in names if d != "naive"]
        results = {}
        for name in names:
            r = results[name] = run_design(name, args, fake_port)
            extra = (f"; {r['pending']} conversations pending at the end, all done {r['drain_s']:.1f} s later "
                     f"({r['dup_check']})" if r.get("drain_s") is not None else "")
            server = (f"; server-side (Server-Timing) p50 {r['server_p50']:.1f} ms, p99 {r['server_p99']:.1f} ms"
                      if "server_p99" in r else "")
            print(f"{name:>22}: {r['n']} requests in {r['elapsed']:.1f} s = {r['throughput']:.0f} req/s; "
                  f"client-seen p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms, max {r['max']:.0f} ms{server}; "
                  f"load generator sent late by p99 {r['late_p99']:.1f} ms; load average {r['load']:.2f} at start, "
                  f"{r['load_end']:.2f} at end; CPU during the load: "
                  + ", ".join(f"{w} {c:.1f} s" for w, c in r["cpu"].items())
                  + "; waiting for a CPU: "
                  + ", ".join(f"{w} {x:.1f} s" for w, x in r["wait"].items())
                  + f"; statuses {r['statuses']}{extra}", flush=True)
    finally:
        fake.terminate()
        fake.wait(timeout=10)
    for suffix in ("", " + CPU hog"):
        q = results.get("queue" + suffix)
        for base in ("queue-h11", "previous"):
            p = results.get(base + suffix)
            if q and p:
                print(f"ratio {base}/queue{suffix}: p50 x{p['p50'] / q['p50']:.1f}, p99 x{p['p99'] / q['p99']:.1f}, "
                      f"web CPU x{p['cpu']['web'] / max(q['cpu']['web'], 1e-9):.1f}")
        if q:
            verdict = "met" if q["p99"] <= 50 else "NOT met"
            print(f"goal p99 <= 50 ms at {args.rate:.0f} req/s{suffix}: {verdict} (client-seen p99 {q['p99']:.1f} ms, "
                  f"server-side p99 {q.get('server_p99', float('nan')):.1f} ms, load average {q['load']:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
