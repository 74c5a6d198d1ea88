"""The FastAPI application: one router per concern, settings and pools in ``app.state``."""

from __future__ import annotations

import importlib
import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from . import __version__, db
from .config import Settings

log = logging.getLogger(__name__)

# Routers mounted by the app, in order. Each module exposes ``router`` (an APIRouter).
ROUTER_MODULES = [
    "bridge.api.health",
    "bridge.api.admin",
    "bridge.api.query",
    "bridge.api.twilio",
    "bridge.api.spareparts",
    "bridge.api.metrics",
]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
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
    )
    app.state.settings = settings

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        # 422 with a reason a person can read, never the raw input echoed back at length.
        problems = [
            {"loc": list(err.get("loc", ())), "msg": err.get("msg", ""), "type": err.get("type", "")}
            for err in exc.errors()
        ]
        return JSONResponse(status_code=422, content={"error": "invalid request", "detail": problems})

    for module_name in ROUTER_MODULES:
        app.include_router(importlib.import_module(module_name).router)
    return app
