"""Standard Webhooks signatures (https://www.standardwebhooks.com), pure functions.

``webhook-signature: v1,<base64 HMAC-SHA256(secret, "<id>.<timestamp>.<body>")>``. The secret is
accepted as ``whsec_<base64>`` (the reference form: the key is the decoded bytes) or as a raw
string (the key is its UTF-8 bytes).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

SECRET_PREFIX = "whsec_"


class SecretError(ValueError):
    """The webhook secret cannot be used (empty, or ``whsec_`` with invalid base64)."""


def secret_key(secret: str) -> bytes:
    if not secret:
        raise SecretError("EVENT_WEBHOOK_SECRET is empty")
    if secret.startswith(SECRET_PREFIX):
        encoded = secret[len(SECRET_PREFIX):]
        try:
            key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
        except (binascii.Error, ValueError):
            raise SecretError("EVENT_WEBHOOK_SECRET starts with whsec_ but is not valid base64") from None
        if not key:
            raise SecretError("EVENT_WEBHOOK_SECRET decodes to an empty key")
        return key
    return secret.encode("utf-8")


def sign(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value for one message."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def signed_headers(key: bytes, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(key, msg_id, timestamp, body),
        "content-type": "application/json",
    }


def verify(key: bytes, headers: dict[str, str], body: bytes) -> bool:
    """Receiver-side check (without the timestamp tolerance, which needs a clock)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    try:
        expected = sign(key, lowered["webhook-id"], int(lowered["webhook-timestamp"]), body).split(",", 1)[1]
    except (KeyError, ValueError):
        return False
    for candidate in lowered.get("webhook-signature", "").split():
        version, _, value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return True
    return False
