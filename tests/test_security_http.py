"""The bridge's HTTP edge under hostile input (issue 11 items 6 and 10), against a real uvicorn server:
chunked bodies stopped at the limit, clients vanishing mid-body, NUL bytes, and a database that cannot
lend a connection.
"""

from __future__ import annotations

import logging
import select
import socket
import time

import pytest
from fastapi.testclient import TestClient

from bridge.app import create_app
from bridge.config import Settings
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN
from tests.live_server import serving

PUBLIC = "https://bridge.example.com"
KEY = "admin-key-for-security-tests"


@pytest.fixture(scope="module")
def settings(db_url, tmp_path_factory) -> Settings:
    return Settings(database_url=db_url, twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN,
                    public_base_url=PUBLIC, admin_api_key=KEY, media_dir=str(tmp_path_factory.mktemp("media")))


@pytest.fixture(scope="module")
def live(settings):
    with serving(create_app(settings)) as base:
        yield base


def _connect(base: str) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    return sock


def _status(sock: socket.socket, timeout: float) -> int:
    sock.settimeout(timeout)
    head = b""
    while b"\r\n" not in head:
        chunk = sock.recv(4096)
        if not chunk:
            break
        head += chunk
    return int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/1.1 ") else 0


# --- item 6: the body is streamed and stopped at the limit -----------------------------------------

def test_a_chunked_body_is_refused_at_the_limit_without_reading_the_rest(live):
    sock = _connect(live)
    sock.sendall(b"POST /twilio/whatsapp HTTP/1.1\r\nHost: bridge\r\nTransfer-Encoding: chunked\r\n"
                 b"Content-Type: application/x-www-form-urlencoded\r\nX-Twilio-Signature: x\r\n\r\n")
    chunk = b"a" * 16384
    for _ in range(8):  # up to 128 KiB (twice the limit); the body is never terminated
        if select.select([sock], [], [], 0)[0]:
            break  # the answer came before the rest was sent
        try:
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except (BrokenPipeError, ConnectionResetError):
            break  # the server answered and closed while we were still sending: read its answer
    try:
        # Reading the whole body would wait forever for the terminating chunk: the answer comes first.
        assert _status(sock, timeout=10) == 413
    finally:
        sock.close()


def test_a_declared_oversized_body_is_refused_before_reading(live):
    sock = _connect(live)
    sock.sendall(b"POST /twilio/whatsapp HTTP/1.1\r\nHost: bridge\r\nContent-Length: 157286400\r\n"
                 b"Content-Type: application/x-www-form-urlencoded\r\n\r\n" + b"a" * 1000)
    try:
        assert _status(sock, timeout=10) == 413
    finally:
        sock.close()


# --- item 10: a client disconnecting mid-body, NUL bytes, an exhausted pool --------------------------

def test_a_client_vanishing_mid_body_logs_no_traceback(live, caplog):
    caplog.set_level(logging.INFO)
    sock = _connect(live)
    sock.sendall(b"POST /twilio/whatsapp HTTP/1.1\r\nHost: bridge\r\nContent-Length: 5000\r\n"
                 b"Content-Type: application/x-www-form-urlencoded\r\n\r\n" + b"Body=hola&" * 10)
    time.sleep(0.3)
    sock.close()
    time.sleep(0.5)
    with _connect(live) as probe:  # the server is still healthy
        probe.sendall(b"GET /healthz HTTP/1.1\r\nHost: bridge\r\n\r\n")
        assert _status(probe, timeout=10) == 200
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR], caplog.text


@pytest.fixture(scope="module")
def client(settings):
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        yield c


AUTH = {"Authorization": f"Bearer {KEY}"}


@pytest.mark.parametrize("path, params", [
    ("/admin/cases", {"vin": "AB\x00C"}),
    ("/admin/cases", {"plate": "AB\x00C"}),
    ("/admin/cases", {"status": "op\x00en"}),
    ("/admin/events", {"type": "quote\x00.approved"}),
    ("/admin/cases/whatsapp:+52155%001234567", {}),
    ("/spareparts", {"q": "a\x00b"}),
])
def test_nul_bytes_are_a_4xx_with_a_reason(client, path, params):
    response = client.get(path, params=params, headers=AUTH)
    assert response.status_code == 400, response.text
    assert "NUL" in response.json()["error"]


def test_admin_answers_503_with_retry_after_when_no_connection_can_be_had(settings):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead_port = s.getsockname()[1]
    dead = Settings(database_url=f"postgresql://127.0.0.1:{dead_port}/nothing", admin_api_key=KEY)
    with TestClient(create_app(dead), raise_server_exceptions=False) as c:
        started = time.monotonic()
        response = c.get("/admin/cases", headers=AUTH)
        elapsed = time.monotonic() - started
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"].isdigit()
    assert elapsed < 6  # the pool's wait is short for interactive calls (it was 10 s, then a 500)
