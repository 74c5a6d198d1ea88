"""Download a Twilio media file safely, check it, and store it content-addressed under MEDIA_DIR.

Who may serve media (docs/security.md, "Media allow-list"), the same in every mode:

- **Host allow-list.** The first URL must be on one of Twilio's media API hosts (``TWILIO_MEDIA_HOSTS``);
  every redirect hop must be on Twilio's media/CDN hosts (``TWILIO_CDN_HOSTS``) or on
  ``MEDIA_EXTRA_HOSTS`` (an operator's addition, e.g. a new Twilio CDN name). Only ``https``.
- **Resolved address.** Every connection, redirect hops included, goes to an address that was resolved
  and checked here (:class:`_CheckedBackend`): never private, loopback, link-local (169.254.0.0/16,
  cloud metadata), shared, multicast or reserved space. The socket connects to the checked address, so
  DNS cannot change the answer between the check and the connection.
- **Development flag.** ``MEDIA_ALLOW_LOOPBACK=1`` (``settings.media_allow_loopback``; set by ``make run``
  for the simulator and by the tests' fake Twilio) additionally allows loopback hosts over ``http`` and
  connections to loopback addresses. Nothing else turns loopback on (not a missing Twilio setting).

Credentials (account SID + auth token, HTTP basic) go only to the host of the original MediaUrl; redirects
are followed without them. Each download has a total deadline (``DEADLINE_S``) and the size cap of its
content type, and the bytes must look like the content type they claim (:func:`looks_like`).
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import socket
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from .messages import msg

TWILIO_MEDIA_HOSTS = frozenset({"api.twilio.com"})
# Where api.twilio.com redirects a MediaUrl to (a signed, short-lived URL).
TWILIO_CDN_HOSTS = frozenset({"api.twilio.com", "media.twiliocdn.com", "mms.twiliocdn.com",
                              "s3-external-1.amazonaws.com"})
EXTRA_HOSTS_ENV = "MEDIA_EXTRA_HOSTS"
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
MAX_REDIRECTS = 5
DEADLINE_S = 60.0  # the whole download, redirects included
READ_TIMEOUT_S = 10.0  # one read; the deadline is checked between reads
TIMEOUT = httpx.Timeout(READ_TIMEOUT_S, connect=5.0)
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


def _ftyp(data: bytes) -> bool:  # ISO base media (mp4, 3gp, m4a): a box size, then "ftyp"
    return data[4:8] == b"ftyp"


def _mpeg_audio(data: bytes) -> bool:  # an ID3 tag, or an MPEG audio frame sync
    return data[:3] == b"ID3" or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0)


def _aac(data: bytes) -> bool:  # ADTS frame sync (layer 0), or an ADIF header
    return data[:4] == b"ADIF" or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xF6 == 0xF0)


# Every accepted type has a signature; a type without one is not accepted (LIMITS and SNIFF share keys).
SNIFF = {
    "image/jpeg": lambda d: d[:3] == b"\xff\xd8\xff",
    "image/png": lambda d: d[:8] == b"\x89PNG\r\n\x1a\n",
    "image/webp": lambda d: d[:4] == b"RIFF" and d[8:12] == b"WEBP",
    "video/mp4": _ftyp,
    "video/3gpp": _ftyp,
    "audio/mp4": _ftyp,
    "audio/ogg": lambda d: d[:4] == b"OggS",
    "audio/mpeg": _mpeg_audio,
    "audio/amr": lambda d: d[:6] == b"#!AMR\n" or d[:9] == b"#!AMR-WB\n",
    "audio/aac": _aac,
    "application/pdf": lambda d: d[:5] == b"%PDF-",
}
assert SNIFF.keys() == LIMITS.keys()


def looks_like(content_type: str, data: bytes) -> bool:
    """True when ``data`` starts with the signature of ``content_type`` (False for any other type)."""
    check = SNIFF.get(content_type)
    return bool(check and check(data))


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


def extra_hosts() -> frozenset[str]:
    raw = os.environ.get(EXTRA_HOSTS_ENV, "")
    return frozenset(h.strip().lower() for h in raw.split(",") if h.strip())


def _netloc(url: str) -> str:
    return urlsplit(url).netloc.lower()


def url_problem(url: str, *, origin: bool, allow_loopback: bool = False) -> str | None:
    """Why this URL may not be fetched (None when it may). Checked before any connection."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        return "malformed URL"
    if parts.username or parts.password:
        return "credentials in the URL"
    if allow_loopback and _is_loopback_name(host):
        return None if parts.scheme in ("http", "https") else f"scheme {parts.scheme!r}"
    if parts.scheme != "https":
        return f"scheme {parts.scheme!r} (https only)"
    allowed = TWILIO_MEDIA_HOSTS if origin else TWILIO_CDN_HOSTS | extra_hosts()
    if host not in allowed:
        return f"host {host!r} is not on the media allow-list"
    return None


def _is_loopback_name(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def address_problem(ip: str, *, allow_loopback: bool = False) -> str | None:
    """Why a connection to this resolved address is refused (None when it is a public address)."""
    addr = ipaddress.ip_address(ip.split("%", 1)[0])
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
        addr = addr.ipv4_mapped
    if addr.is_loopback:
        return None if allow_loopback else f"{addr} is a loopback address"
    if not addr.is_global or addr.is_multicast or addr.is_reserved or addr.is_link_local:
        return f"{addr} is not a public address"
    return None


class _CheckedBackend(httpcore.SyncBackend):
    """Resolves the host itself, refuses non-public addresses, and connects to the address it checked."""

    def __init__(self, allow_loopback: bool):
        self.allow_loopback = allow_loopback

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        addresses = list(dict.fromkeys(info[4][0] for info in infos))
        for ip in addresses:
            problem = address_problem(ip, allow_loopback=self.allow_loopback)
            if problem:
                raise RefusedAddress(f"{host} resolves to {problem}")
        return super().connect_tcp(addresses[0], port, timeout=timeout, local_address=local_address,
                                   socket_options=socket_options)


class RefusedAddress(httpcore.ConnectError):
    """A host resolved to an address the media downloader never connects to."""


_clients: dict[bool, httpx.Client] = {}
_client_lock = threading.Lock()


def _http(allow_loopback: bool) -> httpx.Client:
    """One shared client per mode (building one per download costs more CPU than the download)."""
    with _client_lock:
        if allow_loopback not in _clients:
            transport = httpx.HTTPTransport()
            # httpx does not expose the network backend: give its transport a pool that uses ours.
            transport._pool = httpcore.ConnectionPool(
                ssl_context=httpx.create_ssl_context(), max_connections=32, max_keepalive_connections=8,
                network_backend=_CheckedBackend(allow_loopback),
            )
            _clients[allow_loopback] = httpx.Client(timeout=TIMEOUT, follow_redirects=False, trust_env=False,
                                                    transport=transport)
        return _clients[allow_loopback]


def download(url: str, auth: tuple[str, str] | None, hint_type: str = "", *, allow_loopback: bool = False,
             deadline_s: float = DEADLINE_S) -> Downloaded:
    problem = url_problem(url, origin=True, allow_loopback=allow_loopback)
    if problem:
        raise MediaError(f"media URL not allowed: {problem}", transient=False)
    origin = _netloc(url)
    client = _http(allow_loopback)
    deadline = time.monotonic() + deadline_s
    for _ in range(MAX_REDIRECTS + 1):
        send_auth = auth if _netloc(url) == origin else None
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise MediaError(f"download took longer than {deadline_s:g} s", transient=True)
        timeout = httpx.Timeout(min(READ_TIMEOUT_S, remaining), connect=min(5.0, remaining))
        try:
            with client.stream("GET", url, auth=send_auth, timeout=timeout,
                               headers={"Accept-Encoding": "identity"}) as response:
                client.cookies.clear()  # nothing carries over between downloads
                if response.is_redirect:
                    target = urljoin(url, response.headers.get("location", ""))
                    problem = url_problem(target, origin=False, allow_loopback=allow_loopback)
                    if problem:
                        raise MediaError(f"redirect refused: {problem}", transient=False)
                    url = target
                    continue
                return _read(response, hint_type, deadline, deadline_s)
        except httpx.TransportError as exc:
            if isinstance(exc.__cause__, RefusedAddress):  # httpx re-raises httpcore's errors as its own
                raise MediaError(f"address refused: {exc.__cause__}", transient=False) from exc
            raise MediaError(f"network error: {type(exc).__name__}", transient=True) from exc
    raise MediaError("too many redirects", transient=False)


def _read(response: httpx.Response, hint_type: str, deadline: float, deadline_s: float) -> Downloaded:
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
    for chunk in response.iter_raw():
        buf.extend(chunk)
        if len(buf) > limit:
            raise too_big
        if time.monotonic() > deadline:
            raise MediaError(f"download took longer than {deadline_s:g} s", transient=True)
    if declared and declared.isdigit() and int(declared) != len(buf):
        raise MediaError("truncated download", transient=True)
    data = bytes(buf)
    if not looks_like(content_type, data):
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
