"""``/healthz`` probes for Odoo, the sync worker and event delivery (registered in EXTRA_PROBES)."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx

from ..odoo import OdooClient, OdooError
from .state import get_state

_CACHE_S = 10.0
_lock = threading.Lock()


def odoo_probe(app: Any) -> str:
    """"up" when an authenticated JSON-2 call answers within 2 s, "down" otherwise, "off" if unset."""
    settings = app.state.settings
    if not settings.odoo_enabled:
        return "off"
    with _lock:
        cached = getattr(app.state, "odoo_probe_cache", None)
        if cached and time.monotonic() - cached[0] < _CACHE_S:
            return cached[1]
    try:
        with OdooClient(settings, timeout=httpx.Timeout(2.0), retries=0) as client:
            client.ping()
        result = "up"
    except OdooError:
        result = "down"
    with _lock:
        app.state.odoo_probe_cache = (time.monotonic(), result)
    return result


def _state(app: Any, key: str) -> dict:
    with app.state.pool.connection(timeout=2) as conn:
        return get_state(conn, key)


def sync_probe(app: Any) -> str:
    """What the sync worker last recorded: "ok", "retrying: <why>", "never run", or "off"."""
    if not app.state.settings.odoo_enabled:
        return "off"
    try:
        status = _state(app, "sync.status")
    except Exception:  # noqa: BLE001 - Neon down is reported by the neon probe
        return "unknown"
    if not status:
        return "never run"
    if status.get("state") == "ok":
        return "ok"
    return f"retrying: {str(status.get('last_error') or 'Odoo unavailable')[:160]}"


def events_probe(app: Any) -> str:
    """Delivery health: "off", "disabled: <reason>", or "ok" with the dead-letter count."""
    settings = app.state.settings
    if not settings.webhook_enabled:
        return "off"
    try:
        with app.state.pool.connection(timeout=2) as conn:
            row = conn.execute("SELECT disabled_reason FROM webhook_endpoints WHERE url = %s AND disabled_at "
                               "IS NOT NULL", (settings.event_webhook_url,)).fetchone()
            dead = conn.execute("SELECT count(*) AS n FROM event_deliveries WHERE state = 'dead'").fetchone()["n"]
    except Exception:  # noqa: BLE001
        return "unknown"
    if row:
        return f"disabled: {row['disabled_reason']}"
    return "ok" if not dead else f"ok, {dead} dead letters"


def register(probes: dict) -> None:
    probes.setdefault("odoo", odoo_probe)
    probes.setdefault("sync", sync_probe)
    probes.setdefault("events", events_probe)
