"""The WhatsApp ack as served (issue 18 item 3): ``POST /twilio/whatsapp`` is a bare ASGI handler in front of
FastAPI's routing (``WebhookDirect``), under uvicorn with uvloop + httptools. Real server, real Postgres."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlencode

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient

from bridge import serve
from bridge.app import create_app
from bridge.config import Settings
from bridge.whatsapp.signature import sign
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, webhook_params
from tests.live_server import serving

PATH = "/twilio/whatsapp"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def live(db_url, tmp_path_factory):
    """uvicorn on a loopback port with the fast loop and parser; PUBLIC_BASE_URL = where it listens."""
    settings = Settings(database_url=db_url, twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN,
                        public_base_url="http://127.0.0.1:1", media_dir=str(tmp_path_factory.mktemp("media")))
    app = create_app(settings)
    with serving(app, loop="uvloop", http="httptools") as base:
        app.state.settings = replace(settings, public_base_url=base)  # the port is known only now
        yield base


def _post(base: str, params: dict, *, signature: str | None = None, **kwargs) -> httpx.Response:
    sig = sign(AUTH_TOKEN, base + PATH, params) if signature is None else signature
    return httpx.post(base + PATH, data=params, headers={"X-Twilio-Signature": sig}, timeout=10, **kwargs)


def _stored(db_url: str, sid: str) -> int:
    with psycopg.connect(db_url) as conn:
        return conn.execute("SELECT count(*) FROM wa_inbound WHERE message_sid = %s", (sid,)).fetchone()[0]


def test_the_ack_stores_once_and_says_how_long_it_took(live, db_url):
    params = webhook_params(sender="whatsapp:+5215500001001", body="Hola")
    response = _post(live, params)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/xml"
    assert response.text == '<?xml version="1.0" encoding="UTF-8"?><Response />'
    assert response.headers["server-timing"].startswith("app;dur=")
    assert _stored(db_url, params["MessageSid"]) == 1


def test_a_wrong_signature_is_403_and_stores_nothing(live, db_url):
    params = webhook_params(sender="whatsapp:+5215500001002", body="Hola")
    forged = sign("not-the-token", live + PATH, params)
    response = _post(live, params, signature=forged)
    assert response.status_code == 403 and "signature" in response.text
    missing = httpx.post(live + PATH, data=params, timeout=10)
    assert missing.status_code == 403
    assert _stored(db_url, params["MessageSid"]) == 0


def test_an_oversized_body_is_413_declared_or_not(live):
    big = urlencode({"Body": "x" * 70_000})
    response = httpx.post(live + PATH, content=big,
                          headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=10)
    assert response.status_code == 413

    def chunks():
        for _ in range(5):
            yield b"Body=" + b"x" * 20_000 + b"&"

    chunked = httpx.post(live + PATH, content=chunks(),
                         headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=10)
    assert chunked.status_code == 413 and chunked.text == "body too large"


@pytest.mark.parametrize("content_type, body", [
    ("application/json", b'{"Body": "Hola"}'),
    ("multipart/form-data; boundary=x", b"--x--"),
    ("", b"Body=Hola"),
])
def test_anything_but_a_form_is_415_with_the_reason(live, content_type, body):
    response = httpx.post(live + PATH, content=body, headers={"Content-Type": content_type}, timeout=10)
    assert response.status_code == 415
    assert "application/x-www-form-urlencoded" in response.text


def test_bad_utf8_and_bad_fields_are_400_with_the_reason(live):
    raw = httpx.post(live + PATH, content=b"Body=%FF%FE", timeout=10,
                     headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": "x"})
    assert raw.status_code == 400 and "UTF-8" in raw.text
    params = webhook_params(sender="whatsapp:+5215500001003", body="Hola")
    params["MessageSid"] = "not-a-sid"
    response = _post(live, params)
    assert response.status_code == 400 and response.text


def test_a_redelivered_message_sid_is_absorbed(live, db_url):
    params = webhook_params(sender="whatsapp:+5215500001004", body="Hola")
    first, second = _post(live, params), _post(live, params)
    assert first.status_code == second.status_code == 200
    assert _stored(db_url, params["MessageSid"]) == 1


def test_concurrent_redeliveries_store_the_message_once(live, db_url):
    params = webhook_params(sender="whatsapp:+5215500001005", body="Hola")
    barrier = threading.Barrier(8)
    statuses = []

    def deliver():
        barrier.wait()
        statuses.append(_post(live, params).status_code)

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * 8
    assert _stored(db_url, params["MessageSid"]) == 1


def test_the_documented_route_answers_the_same_without_the_fast_path(db_url, tmp_path):
    public = "https://bridge.example.com"
    settings = Settings(database_url=db_url, twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN,
                        public_base_url=public, media_dir=str(tmp_path))
    app = create_app(settings)
    app.user_middleware = [m for m in app.user_middleware if m.cls.__name__ != "WebhookDirect"]
    assert PATH in app.openapi()["paths"]
    params = webhook_params(sender="whatsapp:+5215500001006", body="Hola")
    with TestClient(app) as client:
        ok = client.post(PATH, data=params, headers={"X-Twilio-Signature": sign(AUTH_TOKEN, public + PATH, params)})
        bad = client.post(PATH, data=params, headers={"X-Twilio-Signature": "x"})
        assert client.get(PATH).status_code == 405
    assert ok.status_code == 200 and "server-timing" in ok.headers
    assert bad.status_code == 403
    assert _stored(db_url, params["MessageSid"]) == 1


# --- the server: uvloop + httptools when installed ---------------------------------------------------

def test_serve_picks_uvloop_and_httptools_when_installed():
    pytest.importorskip("uvloop")
    pytest.importorskip("httptools")
    assert serve.choose_server() == ("uvloop", "httptools")
    assert serve.choose_server("asyncio", "h11") == ("asyncio", "h11")


def test_serve_falls_back_to_asyncio_and_h11_without_them(monkeypatch):
    monkeypatch.setitem(sys.modules, "uvloop", None)  # as if not installed: find_spec answers None
    monkeypatch.setitem(sys.modules, "httptools", None)
    assert serve.choose_server() == ("asyncio", "h11")
    with pytest.raises(ValueError, match="uvloop is not installed"):
        serve.choose_server("uvloop", "auto")
    with pytest.raises(ValueError, match="httptools is not installed"):
        serve.choose_server("auto", "httptools")


def test_python_m_bridge_serve_runs_on_uvloop_and_httptools(db_url, tmp_path):
    pytest.importorskip("uvloop")
    pytest.importorskip("httptools")
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": db_url, "MEDIA_DIR": str(tmp_path), "RAG_EMBEDDER": "none",
           "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", "PYTHONPATH": str(ROOT)}
    for key in ("TWILIO_AUTH_TOKEN", "TWILIO_ACCOUNT_SID"):
        env.pop(key, None)
    proc = subprocess.Popen([sys.executable, "-m", "bridge", "serve", "--port", str(port), "--no-migrate",
                             "--no-access-log"], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code < 500:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            pytest.fail("python -m bridge serve did not come up")
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    assert "web server: uvicorn with uvloop + httptools" in err, err
