"""``GET /healthz``: liveness plus which backends are up, down or off."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

router = APIRouter(tags=["health"])

# Other modules register extra probes here: name -> callable(app) returning "up" | "down" | "off".
EXTRA_PROBES: dict = {}


class Health(BaseModel):
    status: str
    backends: dict[str, str]


@router.get("/healthz", response_model=Health)
def healthz(request: Request) -> Health:
    app = request.app
    settings = app.state.settings
    backends: dict[str, str] = {}
    try:
        with app.state.pool.connection(timeout=2) as conn:
            conn.execute("SELECT 1")
        backends["neon"] = "up"
    except Exception:  # noqa: BLE001 - any failure means the backend is down
        backends["neon"] = "down"
    backends["odoo"] = "configured" if settings.odoo_enabled else "off"
    backends["twilio"] = "configured" if settings.twilio_enabled else "off"
    backends["webhooks"] = "configured" if settings.webhook_enabled else "off"
    backends["vectors"] = "pinecone" if settings.pinecone_enabled else "postgres"
    for name, probe in EXTRA_PROBES.items():
        backends[name] = probe(app)
    return Health(status="ok" if backends["neon"] == "up" else "degraded", backends=backends)
