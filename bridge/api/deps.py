"""Shared FastAPI dependencies: settings, a pooled connection, admin bearer auth."""

from __future__ import annotations

import hmac
from collections.abc import Iterator

import psycopg
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..config import Settings

_bearer = HTTPBearer(auto_error=False, description="ADMIN_API_KEY as a bearer token")


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_conn(request: Request) -> Iterator[psycopg.Connection]:
    """A pooled connection for the duration of the request (committed on success)."""
    with request.app.state.pool.connection() as conn:
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
