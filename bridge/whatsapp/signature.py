"""Twilio webhook signatures: which token signs, which URL was signed, and the check itself.

Behind a proxy the scheme/host the app sees differ from what Twilio called, so the signed URL is
always ``PUBLIC_BASE_URL`` + the request path (+ query). Without ``TWILIO_AUTH_TOKEN`` the webhook
only accepts requests signed with the public development token ``DEV_AUTH_TOKEN``, and only when
``PUBLIC_BASE_URL`` is a loopback address and the request comes from loopback (``make run`` +
``python -m bridge simulate-whatsapp``); anything else gets 503 with the reason.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from twilio.request_validator import RequestValidator, compare, get_signature_algorithm

from ..config import Settings

DEV_AUTH_TOKEN = "postventa-local-dev-token-not-a-secret"
SIGNATURE_HEADER = "X-Twilio-Signature"
SETTINGS_HEADER = "X-Twilio-Webhooks-Signature-Settings"


class FormParams(dict):
    """Form fields with every value kept (RequestValidator signs repeated keys too)."""

    def __init__(self, pairs: list[tuple[str, str]]):
        super().__init__()
        self._all: dict[str, list[str]] = {}
        for key, value in pairs:
            self._all.setdefault(key, []).append(value)
            self.setdefault(key, value)

    def getall(self, key: str) -> list[str]:
        return self._all[key]


@dataclass(frozen=True)
class TokenChoice:
    token: str | None
    dev: bool = False
    refusal: str = ""


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def choose_token(settings: Settings, client_host: str | None) -> TokenChoice:
    if settings.twilio_auth_token:
        return TokenChoice(settings.twilio_auth_token)
    if not _is_loopback(urlsplit(settings.public_base_url).hostname):
        return TokenChoice(None, refusal="TWILIO_AUTH_TOKEN is not set; the webhook refuses unsigned traffic")
    if not _is_loopback(client_host):
        return TokenChoice(None, refusal="TWILIO_AUTH_TOKEN is not set; development signing is loopback-only")
    return TokenChoice(DEV_AUTH_TOKEN, dev=True)


def signed_url(settings: Settings, path: str, query: str) -> str:
    return settings.public_base_url.rstrip("/") + path + (f"?{query}" if query else "")


@lru_cache(maxsize=4)
def _validator(token: str) -> RequestValidator:
    return RequestValidator(token)


def is_valid(token: str, url: str, params: FormParams, signature: str, settings_header: str | None = None) -> bool:
    """Twilio's own check. The signature of exactly the URL we were called at is tried first (one HMAC: the
    usual case); only when it differs does ``RequestValidator.validate`` try the URL with and without its
    port (Twilio is inconsistent there), so what it accepts is unchanged."""
    if not signature:
        return False
    algorithm = get_signature_algorithm(settings_header)
    validator = _validator(token)
    try:
        if compare(validator.compute_signature(url, params, algorithm), signature):
            return True
    except ValueError:  # an algorithm this twilio does not know: validate() logs it and refuses
        pass
    return validator.validate(url, params, signature, algorithm=algorithm)


def sign(token: str, url: str, params: dict[str, str]) -> str:
    """What Twilio would send in X-Twilio-Signature (used by the simulator, tests and the benchmark)."""
    return _validator(token).compute_signature(url, params)
