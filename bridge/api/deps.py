"""Shared FastAPI dependencies: settings, a pooled connection, admin bearer auth."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .. import customer_token
from ..config import Settings

_bearer = HTTPBearer(auto_error=False, description="ADMIN_API_KEY as a bearer token")
_caller_bearer = HTTPBearer(
    auto_error=False, scheme_name="CallerBearer",
    description="ADMIN_API_KEY (a dealer system), or a customer token (acts for one WhatsApp contact)",
)


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


# An interactive request waits this long for a pooled connection, then answers 503 + Retry-After
# (app.py maps PoolTimeout), instead of the pool's 10 s and a 500.
POOL_WAIT_S = 2.0


def get_conn(request: Request) -> Iterator[psycopg.Connection]:
    """A pooled connection for the duration of the request (committed on success)."""
    with request.app.state.pool.connection(timeout=POOL_WAIT_S) as conn:
        yield conn


def require_admin(
    credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
    settings: Settings = Depends(get_settings),
) -> None:
    if not settings.admin_api_key:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "admin API disabled: ADMIN_API_KEY is not set")
    supplied = credentials.credentials if credentials else ""
    if not hmac.compare_digest(supplied.encode(), settings.admin_api_key.encode()):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing or wrong bearer token",
            headers={"WWW-Authenticate": "Bearer"},
        )


@dataclass(frozen=True)
class Caller:
    """Who is calling: ``dealer`` (the admin key), ``customer`` (a valid customer token) or ``anonymous``."""

    kind: str
    contact_id: str | None = None


def identify_caller(
    credentials: HTTPAuthorizationCredentials | None = Depends(_caller_bearer),
    settings: Settings = Depends(get_settings),
) -> Caller:
    """No credentials: anonymous. Credentials that are neither the dealer key nor a valid customer token: 401."""
    if credentials is None:
        return Caller("anonymous")
    supplied = credentials.credentials
    if settings.admin_api_key and hmac.compare_digest(supplied.encode(), settings.admin_api_key.encode()):
        return Caller("dealer")
    if customer_token.looks_like_token(supplied):
        try:
            claims = customer_token.verify(settings.customer_token_secret, supplied)
        except customer_token.InvalidToken as exc:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, f"customer token refused: {exc}",
                                headers={"WWW-Authenticate": "Bearer"}) from None
        return Caller("customer", claims.contact_id)
    raise HTTPException(status.HTTP_401_UNAUTHORIZED, "unknown bearer token", headers={"WWW-Authenticate": "Bearer"})
