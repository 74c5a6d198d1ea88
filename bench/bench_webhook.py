"""Webhook benchmark: the queued design vs the naive one that does the work before answering.

    .venv/bin/python bench/bench_webhook.py [--rate 200] [--duration 10] [--dup 0.10] [--media 0.2]

Both designs run the real bridge app under real uvicorn on loopback, each on its own fresh database,
one after the other in the same run. Customers send signed requests (open loop at ``--rate``
requests/s); ``--dup`` of them are redeliveries of an earlier MessageSid; ``--media`` carry a photo
served by a local "Twilio media host" that takes ``--media-latency-ms`` to answer.

- queue: ``POST /twilio/whatsapp`` as shipped (MEDIA_PROCESSING=queue), plus one media worker
  process (4 threads) draining the queue meanwhile on the same CPUs (and sending the outbox).
- queue, worker after: the same, with the worker started only when the load ends (the webhook alone;
  the backlog it leaves is drained afterwards).
- naive: the same app, with an extra route that handles the message, then downloads and stores the
  media and sends the queued outbound messages through Twilio's REST API, and only then answers.

All servers: ``uvicorn --factory ... --no-access-log``, one process. Prints throughput and latency
(p50/p99/max) of each and the naive/queue ratio. Needs Postgres (TEST_PG_ADMIN_URL, default
postgresql://127.0.0.1:5432/postgres). Takes about two minutes with the defaults.
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


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes) -> int:
    writer.write(raw)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    await reader.readexactly(length)
    return status


async def load(port: int, path: str, requests, rate: float) -> dict:
    """Open loop: request i leaves at t0 + i/rate on a free keep-alive connection (or a new one)."""
    raws = [encode(f"127.0.0.1:{port}", path, params, sig) for params, sig in requests]
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    async def one(raw: bytes) -> None:
        start = time.perf_counter()
        status = 0
        for _ in range(2):  # a reused keep-alive connection may have been closed by the server: retry once
            reused = bool(idle)
            try:
                conn = idle.pop() if reused else await asyncio.open_connection("127.0.0.1", port)
                status = await asyncio.wait_for(_exchange(*conn, raw), timeout=30)
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
        delay = t0 + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(raw)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - t0
    for _, writer in idle:
        writer.close()
    latencies.sort()
    return {"n": len(raws), "elapsed": elapsed, "throughput": len(raws) / elapsed, "statuses": statuses,
            "p50": statistics.median(latencies) * 1000, "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000,
            "max": latencies[-1] * 1000}


def run_design(name: str, args, fake_port: int) -> dict:
    url = make_db()
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    media_dir = tempfile.mkdtemp(prefix=f"pv-bench-{name}-")
    env = {**os.environ, "DATABASE_URL": url, "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
           "TWILIO_WHATSAPP_FROM": "+14155238886", "PUBLIC_BASE_URL": public, "MEDIA_DIR": media_dir,
           "MEDIA_PROCESSING": "queue", "MEDIA_ALLOW_LOOPBACK": "1",
           "POSTVENTA_TEST_TWILIO_API_URL": f"http://127.0.0.1:{fake_port}", "RAG_EMBEDDER": "none",
           "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}
    factory = "bridge.app:create_app" if name.startswith("queue") else "bench.bench_webhook:naive_app"
    path = "/twilio/whatsapp" if name.startswith("queue") else "/naive/whatsapp"
    server_cmd = [sys.executable, "-m", "uvicorn", "--factory", factory, "--port", str(port),
                  "--log-level", "warning", "--no-access-log"]
    worker_cmd = [sys.executable, "-m", "bridge", "--log-level", "WARNING", "media-worker", "--poll-interval", "0.2"]
    procs = [subprocess.Popen(server_cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)]
    if name == "queue":
        procs.append(subprocess.Popen(worker_cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL))
    try:
        wait_http(f"{public}/healthz")
        requests = build_requests(int(args.rate * args.duration), args.dup, args.media,
                                  f"http://127.0.0.1:{fake_port}", path, public, seed=7)
        warm = build_requests(20, 0, 0, f"http://127.0.0.1:{fake_port}", path, public, seed=99)
        asyncio.run(load(port, path, warm, 20))
        result = asyncio.run(load(port, path, requests, args.rate))
        if name == "queue, worker after":
            procs.append(subprocess.Popen(worker_cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL))
        if name.startswith("queue"):
            result["drain_s"] = wait_drained(url, timeout=180)
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


def wait_drained(url: str, timeout: float) -> float | None:
    import psycopg

    start = time.monotonic()
    with psycopg.connect(url, autocommit=True) as conn:
        while time.monotonic() - start < timeout:
            busy = conn.execute("SELECT count(*) FROM wa_jobs WHERE state IN ('queued', 'running')").fetchone()[0]
            if not busy:
                return time.monotonic() - start
            time.sleep(0.2)
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load per design")
    parser.add_argument("--dup", type=float, default=0.10, help="share of redeliveries")
    parser.add_argument("--media", type=float, default=0.20, help="share of messages with a photo")
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
              f"{os.cpu_count()} CPUs, loopback, uvicorn 1 process")
        results = {name: run_design(name, args, fake_port) for name in ("queue", "queue, worker after", "naive")}
    finally:
        fake.terminate()
        fake.wait(timeout=10)
    for name, r in results.items():
        extra = f"; queue drained {r['drain_s']:.1f} s after the load" if r.get("drain_s") is not None else ""
        print(f"{name:>19}: {r['n']} requests in {r['elapsed']:.1f} s = {r['throughput']:.0f} req/s; "
              f"p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms, max {r['max']:.0f} ms; statuses {r['statuses']}{extra}")
    q, n = results["queue"], results["naive"]
    print(f"              ratio: naive/queue p50 x{n['p50'] / q['p50']:.1f}, p99 x{n['p99'] / q['p99']:.1f}, "
          f"throughput queue/naive x{q['throughput'] / n['throughput']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
