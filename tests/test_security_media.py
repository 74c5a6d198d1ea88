"""Media downloads (issue 11 items 7, 8, 9): a total deadline, an explicit host allow-list checked on
every hop and on the resolved address in every mode, and magic bytes for every accepted type.

Only local servers are used; refusals of non-loopback targets are checked before any connection.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bridge import db
from bridge.config import Settings
from bridge.whatsapp import media, store
from bridge.whatsapp.media_worker import Worker
from tests.fake_twilio import JPEG, MP4

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 512  # a PE header


@dataclass
class Server:
    httpd: ThreadingHTTPServer
    hits: list[str] = field(default_factory=list)
    routes: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # path -> (content type, body)
    trickled: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"


@pytest.fixture(scope="module")
def server():
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            return

        def do_GET(self):
            srv.hits.append(self.path)
            if self.path.startswith("/redirect?to="):
                self.send_response(302)
                self.send_header("Location", self.path.split("=", 1)[1])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if self.path == "/trickle":  # one byte every 0.2 s of a 1000-byte JPEG: 200 s in all
                self.send_response(200)
                self.send_header("Content-Type", "image/jpeg")
                self.send_header("Content-Length", "1000")
                self.end_headers()
                try:
                    for _ in range(1000):
                        self.wfile.write(b"\xff")
                        self.wfile.flush()
                        srv.trickled += 1
                        time.sleep(0.2)
                except OSError:
                    return
                return
            content_type, body = srv.routes.get(self.path, ("text/plain", b""))
            self.send_response(200 if self.path in srv.routes else 404)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    srv = Server(httpd)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield srv
    httpd.shutdown()
    httpd.server_close()


# --- item 7: a total deadline ------------------------------------------------------------------

def test_a_trickling_host_is_cut_off_at_the_deadline(server):
    server.trickled = 0
    with pytest.raises(media.MediaError) as caught:
        media.download(f"{server.base}/trickle", None, allow_loopback=True, deadline_s=1.0)
    assert "longer than 1 s" in str(caught.value) and caught.value.transient
    assert server.trickled < 100  # stopped long before the host finished (1000 bytes)


# --- item 8: SSRF --------------------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "https://169.254.169.254/latest/meta-data/",
    "https://10.0.0.5/x.jpg",
    "https://evil.example.com/x.jpg",
    "http://api.twilio.com/x.jpg",
    "https://user:pw@api.twilio.com/x.jpg",
    "file:///etc/passwd",
])
def test_origins_off_the_allow_list_are_refused_before_connecting(url):
    with pytest.raises(media.MediaError) as caught:
        media.download(url, None)
    assert "not allowed" in str(caught.value) and not caught.value.transient


@pytest.mark.parametrize("target", [
    "https://169.254.169.254/latest/meta-data/",
    "https://10.0.0.5/x.jpg",
    "https://internal.example.com/x.jpg",
    "http://media.twiliocdn.com/x.jpg",
])
def test_every_redirect_hop_is_checked(server, target):
    before = len(server.hits)
    with pytest.raises(media.MediaError) as caught:
        media.download(f"{server.base}/redirect?to={target}", None, allow_loopback=True)
    assert "redirect refused" in str(caught.value)
    assert server.hits[before:] == [f"/redirect?to={target}"]  # the target was never requested


def test_loopback_is_refused_unless_the_development_flag_is_set(server):
    server.routes["/photo.jpg"] = ("image/jpeg", JPEG)
    before = len(server.hits)
    with pytest.raises(media.MediaError):
        media.download(f"{server.base}/photo.jpg", None)
    assert len(server.hits) == before
    assert media.download(f"{server.base}/photo.jpg", None, allow_loopback=True).data == JPEG


def test_a_twilio_token_without_account_sid_does_not_open_loopback(server, db_url, tmp_path):
    """The old rule "no Twilio credentials = development" let the worker fetch 127.0.0.1:5432."""
    server.routes["/db.jpg"] = ("image/jpeg", JPEG)
    settings = Settings(database_url=db_url, twilio_auth_token="tok", media_dir=str(tmp_path))
    with db.connect(db_url, autocommit=True) as conn:
        store.enqueue_job(conn, "media", "sec:loopback", "whatsapp:+5215500000001", None,
                          {"url": f"{server.base}/db.jpg", "content_type": "image/jpeg"})
        before = len(server.hits)
        assert Worker(settings, retry_base_seconds=0.01).run_one(conn)
        job = conn.execute("SELECT state, last_error FROM wa_jobs WHERE dedupe_key = 'sec:loopback'").fetchone()
    assert job["state"] == "failed" and "not allowed" in job["last_error"]
    assert len(server.hits) == before


def test_an_allowed_name_resolving_to_a_private_address_is_refused(server, monkeypatch):
    """The resolved address is checked on every connection: an allowed host name is not enough."""
    monkeypatch.setenv(media.EXTRA_HOSTS_ENV, "localhost")
    server.routes["/cdn.jpg"] = ("image/jpeg", JPEG)
    port = server.httpd.server_address[1]
    monkeypatch.setattr(media, "url_problem", lambda url, **kw: None)  # pretend the name and scheme pass
    before = len(server.hits)
    with pytest.raises(media.MediaError) as caught:
        media.download(f"http://localhost:{port}/cdn.jpg", None)
    assert "loopback address" in str(caught.value) and not caught.value.transient
    assert len(server.hits) == before


@pytest.mark.parametrize("ip, refused", [
    ("127.0.0.1", True), ("10.0.0.5", True), ("172.16.3.4", True), ("192.168.1.1", True),
    ("169.254.169.254", True), ("100.64.0.1", True), ("0.0.0.0", True), ("::1", True), ("fe80::1", True),
    ("fd00::1", True), ("::ffff:127.0.0.1", True), ("224.0.0.1", True), ("54.172.60.1", False),
    ("2600:1f18::1", False),
])
def test_address_rules(ip, refused):
    assert (media.address_problem(ip) is not None) is refused


# --- item 9: magic bytes for every accepted type ---------------------------------------------------

SAMPLES = {
    "image/jpeg": JPEG,
    "image/png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
    "image/webp": b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64,
    "video/mp4": MP4,
    "video/3gpp": b"\x00\x00\x00\x18ftyp3gp4\x00\x00\x00\x00" + b"\x00" * 64,
    "audio/mp4": b"\x00\x00\x00\x1cftypM4A \x00\x00\x00\x00" + b"\x00" * 64,
    "audio/ogg": b"OggS\x00\x02" + b"\x00" * 64,
    "audio/mpeg": b"ID3\x04\x00" + b"\x00" * 64,
    "audio/amr": b"#!AMR\n" + b"\x00" * 64,
    "audio/aac": b"\xff\xf1\x50\x80" + b"\x00" * 64,
    "application/pdf": b"%PDF-1.7\n" + b"\x00" * 64,
}


def test_every_accepted_type_has_a_sample():
    assert SAMPLES.keys() == media.LIMITS.keys()


@pytest.mark.parametrize("content_type", sorted(SAMPLES))
def test_an_exe_is_refused_whatever_type_it_claims(server, content_type):
    path = f"/exe-{content_type.replace('/', '-')}"
    server.routes[path] = (content_type, EXE)
    with pytest.raises(media.MediaError) as caught:
        media.download(f"{server.base}{path}", None, allow_loopback=True)
    assert "do not look like" in str(caught.value) and not caught.value.transient


@pytest.mark.parametrize("content_type", sorted(SAMPLES))
def test_real_signatures_are_accepted(server, content_type):
    path = f"/ok-{content_type.replace('/', '-')}"
    server.routes[path] = (content_type, SAMPLES[content_type])
    item = media.download(f"{server.base}{path}", None, allow_loopback=True)
    assert item.content_type == content_type and item.data == SAMPLES[content_type]


@pytest.mark.parametrize("content_type", ["application/x-msdownload", "text/html", "image/gif", "video/quicktime"])
def test_other_types_are_refused(server, content_type):
    path = f"/other-{content_type.replace('/', '-')}"
    server.routes[path] = (content_type, EXE)
    with pytest.raises(media.MediaError) as caught:
        media.download(f"{server.base}{path}", None, allow_loopback=True)
    assert "not accepted" in str(caught.value)
