"""The FastAPI application: one router per concern, settings and pools in ``app.state``."""

from __future__ import annotations

import importlib
import logging
import re
from contextlib import asynccontextmanager
from urllib.parse import unquote_to_bytes

import psycopg
import psycopg_pool
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from . import __version__, db
from .config import Settings

log = logging.getLogger(__name__)

DOCS_ASSETS = "/docs/assets"

# Routers mounted by the app, in order. Each module exposes ``router`` (an APIRouter).
ROUTER_MODULES = [
    "bridge.api.health",
    "bridge.api.admin",
    "bridge.api.timeline",
    "bridge.api.query",
    "bridge.api.twilio",
    "bridge.api.spareparts",
    "bridge.app_pwa.router",
    "bridge.api.metrics",
]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        install_access_log_redaction()
        app.state.pool = db.make_pool(settings.database_url, name="web")
        try:
            yield
        finally:
            app.state.pool.close()

    app = FastAPI(
        title="postventa bridge",
        version=__version__,
        description="Neon <-> Odoo 19 bridge for the Toyota after-sales loop "
        "(WhatsApp intake, manuals search, spare parts, admin feed).",
        lifespan=lifespan,
        # /docs from our own copy of Swagger UI (pinned swagger-ui-bundle), not a CDN: it works offline.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.mount(DOCS_ASSETS, StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def _docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url,
            title=f"{app.title} - API",
            swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS}/favicon-32x32.png",
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        # 422 with a reason a person can read, never the raw input echoed back at length.
        problems = [
            {"loc": list(err.get("loc", ())), "msg": err.get("msg", ""), "type": err.get("type", "")}
            for err in exc.errors()
        ]
        return JSONResponse(status_code=422, content={"error": "invalid request", "detail": problems})

    @app.exception_handler(psycopg_pool.PoolTimeout)
    @app.exception_handler(psycopg.OperationalError)
    async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
        log.error("%s %s: database unavailable (%s)", request.method, request.scope.get("route_path", "?"),
                  type(exc).__name__)
        return JSONResponse(status_code=503, content={"error": "database temporarily unavailable"},
                            headers={"Retry-After": str(RETRY_AFTER_S)})

    @app.exception_handler(psycopg.DataError)
    async def _bad_data(request: Request, exc: psycopg.DataError) -> JSONResponse:
        # A value Postgres cannot take (out of range, bad encoding): the caller's input, not our failure.
        return JSONResponse(status_code=400, content={"error": "a parameter has a value the database refuses"})

    for module_name in ROUTER_MODULES:
        app.include_router(importlib.import_module(module_name).router)
    app.add_middleware(RejectNul)
    # Outermost of ours: Twilio's webhook skips the routing and NUL check (its path is fixed, its body a form).
    from .api.twilio import WebhookDirect

    app.add_middleware(WebhookDirect)
    return app


RETRY_AFTER_S = 5
# A phone number in a URL (``/admin/cases/whatsapp:+52155…``, percent-encoded or not).
_PHONE_IN_URL = re.compile(r"(\+|%2B)\d{4,}(\d{2})", re.IGNORECASE)


class RedactPhones(logging.Filter):
    """Access-log lines keep the path but not the phone number in it (``+52…78`` becomes ``+***78``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_PHONE_IN_URL.sub(r"\1***\2", a) if isinstance(a, str) else a for a in record.args)
        return True


def install_access_log_redaction() -> None:
    """After uvicorn configured its loggers (the app's start-up runs later), once per process."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactPhones) for f in access.filters):
        access.addFilter(RedactPhones())


class RejectNul:
    """ASGI middleware: a NUL byte in the path or query string is a 400 before any route runs.

    Postgres text cannot hold NUL (psycopg raises DataError) and no field of the API needs one.
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and (
            "\x00" in scope.get("path", "") or b"\x00" in unquote_to_bytes(scope.get("query_string", b""))
        ):
            response = JSONResponse(status_code=400, content={"error": "NUL byte in the URL",
                                                              "detail": "remove the NUL (%00) character"})
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
