"""A local stand-in for Twilio's REST API and media hosts, speaking their HTTP protocol.

- ``POST /2010-04-01/Accounts/{AC}/Messages.json`` (basic auth SID:token) records the message and
  answers like Twilio (201 + message JSON), or with a queued error (``fail_next``).
- ``GET /2010-04-01/Accounts/{AC}/Messages/{MM}/Media/{ME}`` (basic auth) answers 302 to the CDN,
  which is the same server under another host name (``localhost`` instead of ``127.0.0.1``) so
  that a leaked Authorization header is visible (``cdn_auth_headers``).
- Media can be registered to 404 a few times first, to stall mid-body until released, to be
  oversized, or to be served directly without the redirect.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import pytest

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "test-auth-token-0123456789abcdef"


@dataclass
class MediaItem:
    data: bytes
    content_type: str
    not_found_times: int = 0
    stall: threading.Event | None = None  # set() releases a stalled body
    redirect: bool = True
    hits: int = 0


@dataclass
class FakeTwilio:
    server: ThreadingHTTPServer
    messages: list[dict] = field(default_factory=list)
    media: dict[str, MediaItem] = field(default_factory=dict)
    fail_next: list[tuple[int, int]] = field(default_factory=list)  # (HTTP status, Twilio code)
    cdn_auth_headers: list[str | None] = field(default_factory=list)
    stalled: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add_media(self, data: bytes, content_type: str, **options) -> str:
        key = "ME" + uuid.uuid4().hex
        self.media[key] = MediaItem(data, content_type, **options)
        return f"{self.api_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/MM{uuid.uuid4().hex}/Media/{key}"

    def close(self) -> None:
        for item in self.media.values():
            if item.stall:
                item.stall.set()
        self.server.shutdown()
        self.server.server_close()


def _authorized(handler: BaseHTTPRequestHandler) -> bool:
    expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    return handler.headers.get("Authorization") == expected


class _Handler(BaseHTTPRequestHandler):
    fake: FakeTwilio

    def log_message(self, *args: object) -> None:
        return

    def _json(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        fake = self.fake
        if not re.fullmatch(rf"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages\.json", self.path):
            return self._json(404, {"code": 20404, "message": "not found", "status": 404})
        if not _authorized(self):
            return self._json(401, {"code": 20003, "message": "Authenticate", "status": 401})
        form = dict(parse_qsl(self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()))
        with fake.lock:
            failure = fake.fail_next.pop(0) if fake.fail_next else None
        if failure:
            status, code = failure
            return self._json(status, {"code": code, "message": f"fake failure {code}", "status": status,
                                       "more_info": f"https://www.twilio.com/docs/errors/{code}"})
        sid = "SM" + uuid.uuid4().hex
        with fake.lock:
            fake.messages.append({"sid": sid, **form})
        self._json(201, {"sid": sid, "account_sid": ACCOUNT_SID, "to": form.get("To"), "from": form.get("From"),
                         "body": form.get("Body"), "status": "queued", "num_media": "0", "num_segments": "1",
                         "api_version": "2010-04-01", "date_created": "Thu, 26 Nov 2026 00:00:00 +0000",
                         "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json"})

    def do_GET(self) -> None:
        fake = self.fake
        api = re.fullmatch(rf"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/MM\w+/Media/(ME\w+)", self.path)
        cdn = re.fullmatch(r"/cdn/(ME\w+)", self.path)
        key = (api or cdn).group(1) if (api or cdn) else None
        item = fake.media.get(key or "")
        if item is None:
            return self._json(404, {"code": 20404, "message": "not found", "status": 404})
        if api:
            if not _authorized(self):
                return self._json(401, {"code": 20003, "message": "Authenticate", "status": 401})
            with fake.lock:
                item.hits += 1
                if item.not_found_times > 0:
                    item.not_found_times -= 1
                    return self._json(404, {"code": 20404, "message": "media not ready", "status": 404})
            if item.redirect:
                self.send_response(302)
                self.send_header("Location", f"http://localhost:{fake.port}/cdn/{key}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
        else:
            with fake.lock:
                fake.cdn_auth_headers.append(self.headers.get("Authorization"))
        self.send_response(200)
        self.send_header("Content-Type", item.content_type)
        self.send_header("Content-Length", str(len(item.data)))
        self.end_headers()
        if item.stall is not None and not item.stall.is_set():
            release, item.stall = item.stall, None  # one-shot: the retry gets the whole body
            half = len(item.data) // 2
            self.wfile.write(item.data[:half])
            self.wfile.flush()
            fake.stalled.set()
            release.wait(timeout=30)
            with contextlib.suppress(OSError):
                self.wfile.write(item.data[half:])
            return None
        self.wfile.write(item.data)
        return None


def start() -> FakeTwilio:
    handler = type("Handler", (_Handler,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    fake = FakeTwilio(server)
    handler.fake = fake
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return fake


@contextlib.contextmanager
def running():
    """A fake Twilio for a test module: the bridge's REST client is pointed at it through the documented
    test-only variable, and media from loopback is allowed (the development flag), both restored afterwards."""
    fake = start()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MEDIA_ALLOW_LOOPBACK", "1")
        mp.setenv("POSTVENTA_TEST_TWILIO_API_URL", fake.api_url)
        yield fake
    fake.close()


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 8 + b"\xff\xd9"
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * 16


def webhook_params(sender: str = "whatsapp:+5215512345678", body: str = "", *, sid: str | None = None,
                   media: list[tuple[str, str]] = (), name: str = "Juan Pérez") -> dict[str, str]:
    """The form Twilio posts for one inbound WhatsApp message."""
    params = {"MessageSid": sid or "SM" + uuid.uuid4().hex, "SmsMessageSid": sid or "", "AccountSid": ACCOUNT_SID,
              "From": sender, "To": "whatsapp:+14155238886", "Body": body, "NumMedia": str(len(media)),
              "ProfileName": name, "WaId": sender.rsplit("+", 1)[-1], "ApiVersion": "2010-04-01"}
    for i, (url, content_type) in enumerate(media):
        params[f"MediaUrl{i}"] = url
        params[f"MediaContentType{i}"] = content_type
    return params


def signed_post(client, params: dict[str, str], *, public_url: str, token: str = AUTH_TOKEN,
                path: str = "/twilio/whatsapp", headers: dict | None = None, process: bool = True):
    """POST like Twilio: form-encoded, X-Twilio-Signature over ``public_url + path`` and the params.

    The webhook only stores the message; with ``process`` (default) the queued conversation is then run
    as the media worker's inbound thread would (``inbound.process_pending``), and the replies this
    delivery queued for the customer are kept on the response for ``replies()``."""
    from twilio.request_validator import RequestValidator

    signature = RequestValidator(token).compute_signature(public_url + path, params)
    sid = params.get("MessageSid", "")
    url = client.app.state.settings.database_url if process and path == "/twilio/whatsapp" else None
    before = _queued_replies(url, sid) if url else {}
    response = client.post(path, data=params, headers={"X-Twilio-Signature": signature, **(headers or {})})
    if url and response.status_code == 200:
        from bridge import db
        from bridge.whatsapp import inbound

        with db.connect(url, autocommit=True) as conn:
            inbound.process_pending(conn)
        after = _queued_replies(url, sid)
        response.queued_replies = [body for key, body in sorted(after.items()) if key not in before]
    return response


def _queued_replies(url: str, sid: str) -> dict[tuple[int, str], str]:
    import psycopg

    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT dedupe_key, body FROM wa_outbox WHERE dedupe_key LIKE %s",
                            (f"reply:{sid}:%",)).fetchall()
    return {(int(key.rsplit(":", 1)[1]), key): body for key, body in rows}


def replies(response) -> list[str]:
    """What the customer is told in answer to one delivery: the TwiML messages (an SMS sender's notice)
    and the replies queued in the outbox by running its conversation (see ``signed_post``)."""
    import xml.etree.ElementTree as ET

    twiml = ["".join(m.itertext()) for m in ET.fromstring(response.text).iter("Message")]
    return twiml + list(getattr(response, "queued_replies", []))


def besides_replies(url: str, messages: list[dict]) -> list[dict]:
    """``messages`` (as the fake received them) without the conversation's replies (outbox kind ``reply``)."""
    import psycopg

    with psycopg.connect(url) as conn:
        sids = {r[0] for r in conn.execute("SELECT twilio_sid FROM wa_outbox WHERE kind = 'reply' "
                                           "AND twilio_sid IS NOT NULL").fetchall()}
    return [m for m in messages if m.get("sid") not in sids]
