"""A lean keep-alive HTTP client for webhook POSTs: one ``http.client`` connection per sending thread.

httpx spends ~0.8 ms of CPU per small POST; a plain keep-alive connection ~0.2 ms, and the
dispatcher's throughput is CPU-bound (docs/events.md, "Benchmark"). What it keeps from a full client:
explicit timeouts, TCP_NODELAY, TLS with the system's CA store, a stale keep-alive connection retried
once on a fresh one, bounded reads. Proxies from the environment are not used.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
from urllib.parse import urlsplit

MAX_RESPONSE_BYTES = 64 * 1024  # a receiver's answer is only logged (first 200 chars); more closes the connection
_STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, http.client.CannotSendRequest)


class WebhookClient:
    """``post(body, headers) -> (status, first 200 chars of the answer)``; raises OSError/HTTPException."""

    def __init__(self, url: str, *, timeout: float = 15.0, user_agent: str = "postventa-bridge/webhooks") -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"webhook URL must be http(s)://host/...: {url!r}")
        self.https = parts.scheme == "https"
        self.host = parts.hostname
        self.port = parts.port or (443 if self.https else 80)
        self.path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.timeout = timeout
        self.user_agent = user_agent
        self._ssl = ssl.create_default_context() if self.https else None
        self._local = threading.local()
        self._all: set[http.client.HTTPConnection] = set()
        self._lock = threading.Lock()

    def _connection(self) -> http.client.HTTPConnection:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            return conn
        if self.https:
            conn = http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout, context=self._ssl)
        else:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        conn.connect()
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._local.conn = conn
        with self._lock:
            self._all.add(conn)
        return conn

    def _drop(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            conn.close()
            with self._lock:
                self._all.discard(conn)

    def post(self, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        headers = {"Content-Type": "application/json", "User-Agent": self.user_agent, **headers}
        for attempt in (1, 2):
            conn = self._connection()
            try:
                conn.request("POST", self.path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read(MAX_RESPONSE_BYTES)
                if response.will_close or not response.isclosed():
                    self._drop()  # the server closes, or the body was longer than we read
                return response.status, data[:400].decode("utf-8", "replace")[:200]
            except _STALE:
                # A keep-alive connection the server closed, or a reset while connecting under load:
                # once more on a new connection (receivers dedupe on webhook-id).
                self._drop()
                if attempt == 2:
                    raise
            except BaseException:
                self._drop()
                raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
