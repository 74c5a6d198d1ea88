"""A webhook receiver on loopback (real HTTP), standing in for Make/n8n.

It records every request (headers + body), answers with a configurable policy: a fixed status, a
scripted sequence, or a seeded random failure ratio; and it verifies Standard Webhooks signatures
with the reference implementation when asked.
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Receiver:
    def __init__(self, *, fail_ratio: float = 0.0, seed: int = 0, status: int = 200) -> None:
        self.lock = threading.Lock()
        self.requests: list[dict[str, Any]] = []
        self.accepted: list[dict[str, Any]] = []  # envelopes answered with 2xx, in arrival order
        self.fail_ratio = fail_ratio
        # Event ids are random, so a 30% receiver can fail one event every time (p = 0.3^8 per event):
        # tests about loss and order cap the failures below the dead-letter limit.
        self.max_failures_per_event: int | None = None
        self.status = status
        self.script: list[int] = []  # statuses answered first, one per request
        self.seed = seed
        self.fail_when: Callable[[dict[str, Any]], int | None] | None = None  # per-envelope override
        self._tries: dict[str, int] = {}
        self.verifier: Callable[[bytes, dict[str, str]], None] | None = None
        self.verify_errors: list[str] = []
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> Receiver:
        handler = type("Handler", (_Handler,), {"receiver": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server
        return f"http://127.0.0.1:{self._server.server_address[1]}/hook"

    def decide(self, envelope: dict[str, Any]) -> int:
        """The answer for one request. Random failures are drawn per (seed, event id, try number), so
        they do not depend on the order concurrent requests arrive in."""
        with self.lock:
            if self.script:
                return self.script.pop(0)
            if self.fail_when and (status := self.fail_when(envelope)):
                return status
            event_id = str(envelope.get("id"))
            self._tries[event_id] = tries = self._tries.get(event_id, 0) + 1
            may_fail = self.max_failures_per_event is None or tries <= self.max_failures_per_event
            draw = random.Random(f"{self.seed}:{event_id}:{tries}").random()
            if may_fail and self.fail_ratio and draw < self.fail_ratio:
                return 500
            return self.status


class _Handler(BaseHTTPRequestHandler):
    receiver: Receiver
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        rec = self.receiver
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k.lower(): v for k, v in self.headers.items()}
        if rec.verifier:
            try:
                rec.verifier(body, headers)
            except Exception as exc:  # noqa: BLE001 - recorded for the test to assert on
                rec.verify_errors.append(f"{type(exc).__name__}: {exc}")
        envelope = json.loads(body)
        status = rec.decide(envelope)
        with rec.lock:
            rec.requests.append({"headers": headers, "body": body, "status": status, "event": envelope})
            if 200 <= status < 300:
                rec.accepted.append(envelope)
        payload = b'{"ok": true}' if status < 300 else b'{"error": "receiver says no"}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
