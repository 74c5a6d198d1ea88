"""Who may call ``/app/api/...``: the holder of a customer token (bridge/customer_token.py), for that contact only.

- The token travels as ``Authorization: Bearer v1....`` (the app keeps it from the link's ``#t=`` fragment,
  which browsers never send to the server, so it stays out of access logs).
- Forged, malformed, expired: 401 (``customer_token.verify``). Revoked: 401 — a token issued at or before
  ``app_access.not_before`` for its contact (``python -m bridge app-link <contact> --revoke``).
- Every query the API makes is filtered by the token's contact; a case of another contact is a 404.
- Rate limit per contact and, looser, per client address (token buckets per process): 429 + ``Retry-After``.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import psycopg
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .. import customer_token
from ..api.deps import POOL_WAIT_S, get_settings
from ..config import Settings

_bearer = HTTPBearer(auto_error=False, scheme_name="CustomerToken",
                     description="the customer token from the app link (acts for one WhatsApp contact)")

RATE_PER_MINUTE = 60  # steady rate per contact
BURST = 30  # requests allowed at once (the app's first load makes a handful)
# Per client address, looser: mobile carriers put many phones behind one address (CGNAT).
IP_RATE_PER_MINUTE, IP_BURST = 600, 120


class RateLimiter:
    """Token buckets keyed by a string; thread-safe; forgets idle keys."""

    def __init__(self, per_minute: float = RATE_PER_MINUTE, burst: int = BURST, clock=time.monotonic):
        self.rate, self.burst, self.clock = per_minute / 60.0, burst, clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str, cost: float = 1.0) -> float:
        """0 when allowed, else the seconds to wait."""
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.burst), now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens < cost:
                self._buckets[key] = (tokens, now)
                return (cost - tokens) / self.rate
            self._buckets[key] = (tokens - cost, now)
            if len(self._buckets) > 10_000:
                self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < 600}
            return 0.0


@dataclass(frozen=True)
class Customer:
    contact_id: str
    issued_at: int
    expires_at: int


def _refuse(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"})


def limiters(request: Request) -> dict[str, RateLimiter]:
    state = request.app.state
    if getattr(state, "app_rate_limiters", None) is None:
        state.app_rate_limiters = {"contact": RateLimiter(), "ip": RateLimiter(IP_RATE_PER_MINUTE, IP_BURST)}
    return state.app_rate_limiters


def _throttle(request: Request, key: str) -> None:
    wait = limiters(request)[key.split(":", 1)[0]].take(key)
    if wait:
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, "demasiadas solicitudes; intenta en un momento",
                            headers={"Retry-After": str(max(1, int(wait + 0.999)))})


def is_revoked(conn: psycopg.Connection, contact_id: str, issued_at: int) -> bool:
    row = conn.execute(
        "SELECT %s <= extract(epoch FROM not_before) AS revoked FROM app_access "
        "WHERE contact_id = %s AND not_before IS NOT NULL", (issued_at, contact_id),
    ).fetchone()
    return bool(row and row["revoked"])


def require_customer(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
    settings: Settings = Depends(get_settings),
) -> Customer:
    client = request.client.host if request.client else "unknown"
    _throttle(request, f"ip:{client}")
    if credentials is None:
        raise _refuse("falta el enlace de acceso: ábrelo desde WhatsApp")
    try:
        claims = customer_token.verify(settings.customer_token_secret, credentials.credentials)
    except customer_token.InvalidToken as exc:
        raise _refuse(f"enlace no válido: {exc}") from None
    _throttle(request, f"contact:{claims.contact_id}")
    with request.app.state.pool.connection(timeout=POOL_WAIT_S) as conn:
        if is_revoked(conn, claims.contact_id, claims.issued_at):
            raise _refuse("enlace no válido: revoked")
    return Customer(claims.contact_id, claims.issued_at, claims.expires_at)
