"""The FastAPI application: one router per concern, settings and pools in ``app.state``."""

from __future__ import annotations

import importlib
import logging
from contextlib import asynccontextmanager

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
    "bridge.api.query",
    "bridge.api.twilio",
    "bridge.api.spareparts",
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

    for module_name in ROUTER_MODULES:
        app.include_router(importlib.import_module(module_name).router)
    return app
