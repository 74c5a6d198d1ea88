"""Signed, expiring customer tokens: proof that a caller acts for one WhatsApp contact.

The chatbot's links and the customer's app (PWA) carry one; ``/spareparts`` (and later the app's API)
answers case data only for the contact inside it. Format (URL-safe, no padding)::

    v1.<base64url(JSON {"c": "whatsapp:+5215512345678", "iat": <unix s>, "exp": <unix s>})>.<base64url(HMAC-SHA256)>

The HMAC covers ``v1.<payload>`` with ``CUSTOMER_TOKEN_SECRET`` (at least 32 characters; without it no
customer token is issued or accepted). ``iat`` lets a revocation list refuse tokens issued before a date.
Pure functions: no I/O, the clock is a parameter.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass

VERSION = "v1"
MIN_SECRET_CHARS = 32
MAX_TTL_S = 30 * 24 * 3600
CONTACT_RE = re.compile(r"^whatsapp:\+[1-9]\d{6,14}$")


class InvalidToken(ValueError):
    """Malformed, forged, expired, or no secret configured. The message says which (never the secret)."""


@dataclass(frozen=True)
class CustomerClaims:
    contact_id: str
    issued_at: int
    expires_at: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, signed: str) -> str:
    return _b64(hmac.new(secret.encode(), signed.encode(), hashlib.sha256).digest())


def issue(secret: str, contact_id: str, ttl_s: int, *, now: float | None = None) -> str:
    if len(secret) < MIN_SECRET_CHARS:
        raise InvalidToken(f"CUSTOMER_TOKEN_SECRET must have at least {MIN_SECRET_CHARS} characters")
    if not CONTACT_RE.match(contact_id):
        raise InvalidToken("contact must look like whatsapp:+<E.164>")
    if not 0 < ttl_s <= MAX_TTL_S:
        raise InvalidToken(f"ttl must be between 1 s and {MAX_TTL_S} s")
    issued = int(time.time() if now is None else now)
    payload = _b64(json.dumps({"c": contact_id, "iat": issued, "exp": issued + int(ttl_s)},
                              separators=(",", ":")).encode())
    signed = f"{VERSION}.{payload}"
    return f"{signed}.{_mac(secret, signed)}"


def verify(secret: str, token: str, *, now: float | None = None) -> CustomerClaims:
    if len(secret) < MIN_SECRET_CHARS:
        raise InvalidToken("customer tokens are not enabled (CUSTOMER_TOKEN_SECRET unset)")
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != VERSION or len(token) > 512:
        raise InvalidToken("not a customer token")
    if not hmac.compare_digest(_mac(secret, f"{parts[0]}.{parts[1]}"), parts[2]):
        raise InvalidToken("bad signature")
    try:
        claims = json.loads(_unb64(parts[1]))
        contact, issued, expires = claims["c"], int(claims["iat"]), int(claims["exp"])
    except (binascii.Error, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise InvalidToken("malformed payload") from exc
    if not isinstance(contact, str) or not CONTACT_RE.match(contact):
        raise InvalidToken("malformed contact")
    if (time.time() if now is None else now) >= expires:
        raise InvalidToken("expired")
    return CustomerClaims(contact, issued, expires)


def looks_like_token(value: str) -> bool:
    return value.startswith(f"{VERSION}.") and value.count(".") == 2
