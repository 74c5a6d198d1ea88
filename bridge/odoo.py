"""Odoo 19 JSON-2 client: ``OdooClient(settings).call(model, method, **kwargs)``.

``POST {ODOO_URL}/json/2/<model>/<method>`` with a bearer API key and ``X-Odoo-Database``; the
body holds named arguments and the answer is the method's raw result. Every call has explicit
timeouts. Connection errors, timeouts, 429 and 5xx are retried with backoff (the contract's
methods are idempotent); other 4xx are not. Errors carry the HTTP status and Odoo's own message,
never the API key.
"""

from __future__ import annotations

import logging
import random
import socket
import time
from collections.abc import Callable
from typing import Any

import httpx

from . import tracing
from .config import Settings

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=120.0, write=60.0, pool=10.0)
_MESSAGE_LIMIT = 500


class OdooError(Exception):
    """Odoo answered with an error, or could not be reached. ``status`` is None for the latter."""

    def __init__(self, message: str, *, status: int | None = None, name: str = "", model: str = "",
                 method: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.name = name
        self.model = model
        self.method = method
        self.message = message

    @property
    def where(self) -> str:
        return f"{self.model}/{self.method}"

    def __str__(self) -> str:
        status = f"HTTP {self.status}" if self.status is not None else "unreachable"
        name = f" {self.name}" if self.name else ""
        return f"Odoo {self.where} failed ({status}{name}): {self.message}"


class OdooUnavailable(OdooError):
    """Odoo down, slow or failing server-side (connection error, timeout, 429, 5xx) after retries."""


class OdooAuthError(OdooError):
    """401/403: the API key is missing, wrong, expired, or its user lacks the integration group."""


class OdooNotConfigured(OdooError):
    """ODOO_URL / ODOO_DB / ODOO_API_KEY are not all set."""


def retry_delay(attempt: int, *, base: float = 0.5, cap: float = 30.0, jitter: float = 0.0) -> float:
    """Exponential backoff for the ``attempt``-th retry (1-based); ``jitter`` in [0, 1) shortens it."""
    return min(cap, base * 2 ** (attempt - 1)) * (1.0 - jitter / 2)


def nodelay_transport(connections: int = 10) -> httpx.HTTPTransport:
    """httpx writes request headers and body separately; without TCP_NODELAY, Nagle's algorithm and
    delayed ACKs add ~40 ms to every small POST."""
    return httpx.HTTPTransport(
        socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
        limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
    )


def _is_retryable_status(status: int) -> bool:
    return status == 429 or status >= 500


def _error_from_response(response: httpx.Response, model: str, method: str, api_key: str) -> OdooError:
    name, message = "", ""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        name = str(body.get("name") or "")
        message = str(body.get("message") or body.get("error") or "")
        if isinstance(body.get("error"), dict):  # JSON-RPC style error envelope
            name = str(body["error"].get("data", {}).get("name") or name)
            message = str(body["error"].get("data", {}).get("message") or body["error"].get("message") or message)
    if not message:
        message = (response.text or response.reason_phrase or "").strip()
    message = message[:_MESSAGE_LIMIT]
    if api_key:
        message = message.replace(api_key, "***")
    status = response.status_code
    cls = OdooError
    if status in (401, 403):
        cls = OdooAuthError
    elif _is_retryable_status(status):
        cls = OdooUnavailable
    return cls(message or "no message", status=status, name=name, model=model, method=method)


class OdooClient:
    def __init__(
        self,
        settings: Settings,
        *,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        retries: int = 4,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not settings.odoo_enabled:
            raise OdooNotConfigured("ODOO_URL, ODOO_DB and ODOO_API_KEY must all be set")
        self._url = settings.odoo_url.rstrip("/")
        self._db = settings.odoo_db
        self._key = settings.odoo_api_key
        self.retries = retries
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._sleep = sleep
        self._http = httpx.Client(
            timeout=timeout,
            transport=nodelay_transport(),
            headers={
                "Authorization": f"bearer {self._key}",
                "X-Odoo-Database": self._db,
                "User-Agent": "postventa-bridge",
            },
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> OdooClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def call(self, model: str, method: str, **kwargs: Any) -> Any:
        """Call ``model.method(**kwargs)``; retried on transient failures, raises ``OdooError``."""
        url = f"{self._url}/json/2/{model}/{method}"
        attempts = self.retries + 1
        # W3C Trace Context: the current case's trace (tracing.case_context), else a trace of its own;
        # one span per call, kept across its retries.
        headers = {"traceparent": tracing.traceparent(tracing.current_trace_id())}
        for attempt in range(1, attempts + 1):
            try:
                response = self._http.post(url, json=kwargs, headers=headers)
            except httpx.HTTPError as exc:
                error: OdooError = OdooUnavailable(
                    f"{type(exc).__name__}: {self._scrub(str(exc)) or 'no detail'}",
                    model=model, method=method,
                )
            else:
                if response.status_code < 400:
                    try:
                        return response.json()
                    except ValueError:
                        raise OdooError(
                            "answer is not JSON", status=response.status_code, model=model, method=method
                        ) from None
                error = _error_from_response(response, model, method, self._key)
                if not isinstance(error, OdooUnavailable):
                    raise error
            if attempt == attempts:
                raise error
            delay = retry_delay(attempt, base=self._backoff_base, cap=self._backoff_cap, jitter=random.random())
            log.warning("odoo %s/%s: %s (attempt %d/%d, retry in %.1fs)",
                        model, method, error, attempt, attempts, delay)
            self._sleep(delay)
        raise AssertionError("unreachable")

    def _scrub(self, text: str) -> str:
        return text.replace(self._key, "***") if self._key else text

    def ping(self) -> None:
        """A cheap authenticated call; raises ``OdooError`` when Odoo is not usable."""
        self.call("res.users", "context_get")
