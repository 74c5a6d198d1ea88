"""Download a Twilio media file safely, check it, and store it content-addressed under MEDIA_DIR.

Credentials (account SID + auth token, HTTP basic) go only to the host of the original MediaUrl,
which must be one of Twilio's media hosts; redirects (Twilio answers with a signed CDN URL) are
followed over HTTPS without credentials. ``POSTVENTA_TEST_MEDIA_HOSTS`` (comma-separated
``host:port``) is **for tests only**: it adds local hosts that may be used over plain HTTP.
Without Twilio credentials (local development with the simulator) loopback hosts are allowed too:
the webhook then only accepts loopback traffic signed with the development token, so any media
URL it queued came from the local simulator.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx

from .messages import msg

TWILIO_MEDIA_HOSTS = frozenset({"api.twilio.com", "media.twiliocdn.com", "mms.twiliocdn.com"})
TEST_HOSTS_ENV = "POSTVENTA_TEST_MEDIA_HOSTS"
MAX_REDIRECTS = 5
TIMEOUT = httpx.Timeout(30.0, connect=5.0)
MB = 1024 * 1024
# WhatsApp's limits: images 5 MB; audio, video and documents 16 MB here.
LIMITS: dict[str, int] = {
    "image/jpeg": 5 * MB, "image/png": 5 * MB, "image/webp": 5 * MB,
    "video/mp4": 16 * MB, "video/3gpp": 16 * MB,
    "audio/ogg": 16 * MB, "audio/mpeg": 16 * MB, "audio/amr": 16 * MB, "audio/aac": 16 * MB, "audio/mp4": 16 * MB,
    "application/pdf": 16 * MB,
}
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "video/mp4": "mp4", "video/3gpp": "3gp",
              "audio/ogg": "ogg", "audio/mpeg": "mp3", "audio/amr": "amr", "audio/aac": "aac", "audio/mp4": "m4a",
              "application/pdf": "pdf"}
_MAGIC = {"image/jpeg": (0, b"\xff\xd8\xff"), "image/png": (0, b"\x89PNG"), "video/mp4": (4, b"ftyp"),
          "application/pdf": (0, b"%PDF")}


class MediaError(Exception):
    """Download or validation failed. ``transient`` failures are retried; ``reason`` is for the customer."""

    def __init__(self, detail: str, *, transient: bool, reason: str = ""):
        super().__init__(detail)
        self.transient = transient
        self.reason = reason or msg("reason_download")


@dataclass(frozen=True)
class Downloaded:
    data: bytes
    content_type: str
    sha256: str

    @property
    def size(self) -> int:
        return len(self.data)


def test_hosts() -> frozenset[str]:
    raw = os.environ.get(TEST_HOSTS_ENV, "")
    return frozenset(h.strip().lower() for h in raw.split(",") if h.strip())


def _netloc(url: str) -> str:
    return urlsplit(url).netloc.lower()


def _allowed(url: str, *, origin: bool, dev_loopback: bool = False) -> bool:
    parts = urlsplit(url)
    netloc, host = parts.netloc.lower(), (parts.hostname or "").lower()
    if netloc in test_hosts() or (dev_loopback and host in ("127.0.0.1", "localhost", "::1")):
        return parts.scheme in ("http", "https")
    if parts.scheme != "https":
        return False
    return host in TWILIO_MEDIA_HOSTS if origin else bool(host)


_client: httpx.Client | None = None
_client_lock = threading.Lock()


def _http() -> httpx.Client:
    global _client
    with _client_lock:
        if _client is None:
            _client = httpx.Client(timeout=TIMEOUT, follow_redirects=False,
                                   limits=httpx.Limits(max_connections=32, max_keepalive_connections=8))
        return _client


def download(url: str, auth: tuple[str, str] | None, hint_type: str = "", *, dev_loopback: bool = False
             ) -> Downloaded:
    if not _allowed(url, origin=True, dev_loopback=dev_loopback):
        raise MediaError(f"media URL host not allowed: {_netloc(url)}", transient=False)
    origin = _netloc(url)
    client = _http()  # one shared client: building one per download costs more CPU than the download
    for _ in range(MAX_REDIRECTS + 1):
        send_auth = auth if _netloc(url) == origin else None
        try:
            with client.stream("GET", url, auth=send_auth) as response:
                client.cookies.clear()  # nothing carries over between downloads
                if response.is_redirect:
                    target = urljoin(url, response.headers.get("location", ""))
                    if not _allowed(target, origin=False, dev_loopback=dev_loopback):
                        raise MediaError(f"redirect to a disallowed URL ({_netloc(target)})", transient=False)
                    url = target
                    continue
                return _read(response, hint_type)
        except httpx.TransportError as exc:
            raise MediaError(f"network error: {type(exc).__name__}", transient=True) from exc
    raise MediaError("too many redirects", transient=False)


def _read(response: httpx.Response, hint_type: str) -> Downloaded:
    status = response.status_code
    if status in (404, 408, 425, 429) or status >= 500:
        raise MediaError(f"HTTP {status} from {response.url.host}", transient=True)
    if status != 200:
        raise MediaError(f"HTTP {status} from {response.url.host}", transient=False)
    content_type = (response.headers.get("content-type") or hint_type).split(";")[0].strip().lower()
    limit = LIMITS.get(content_type)
    if limit is None:
        raise MediaError(f"content type not accepted: {content_type!r}", transient=False,
                         reason=msg("reason_type"))
    too_big = MediaError(f"larger than {limit} bytes for {content_type}", transient=False,
                         reason=msg("reason_size", mb=limit // MB))
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise too_big
    buf = bytearray()
    for chunk in response.iter_bytes():
        buf.extend(chunk)
        if len(buf) > limit:
            raise too_big
    if declared and declared.isdigit() and int(declared) != len(buf):
        raise MediaError("truncated download", transient=True)
    data = bytes(buf)
    magic = _MAGIC.get(content_type)
    if magic and data[magic[0]:magic[0] + len(magic[1])] != magic[1]:
        raise MediaError(f"bytes do not look like {content_type}", transient=False,
                         reason=msg("reason_corrupt"))
    return Downloaded(data, content_type, hashlib.sha256(data).hexdigest())


def store_bytes(media_dir: str, item: Downloaded) -> str:
    """Write once under ``<dir>/<aa>/<bb>/<sha256>.<ext>`` (atomic rename); return that relative path."""
    relative = Path(item.sha256[:2]) / item.sha256[2:4] / f"{item.sha256}.{EXTENSIONS.get(item.content_type, 'bin')}"
    target = Path(media_dir) / relative
    if target.exists() and target.stat().st_size == item.size:
        return str(relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(item.data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return str(relative)
