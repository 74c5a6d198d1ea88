"""Metrics: ``GET /admin/metrics`` (business, for managers' tools) and ``GET /metrics`` (Prometheus, for ops).

``/admin/metrics?from=YYYY-MM-DD&to=YYYY-MM-DD`` answers Odoo's four after-sales metrics
(``postventa.kpi/compute_kpis``, cached ``CACHE_TTL_S``) plus what only the channel knows, from Neon:
WhatsApp intake completion, first-response time, media processing lag, event delivery backlog.
Definitions: docs/metrics.md. Both routes take the ``ADMIN_API_KEY`` bearer token.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from typing import Any

import httpx
import psycopg
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from .. import observability
from ..config import Settings
from ..odoo import OdooAuthError, OdooClient, OdooError, OdooUnavailable
from .deps import get_conn, get_settings, require_admin

log = logging.getLogger(__name__)
router = APIRouter(tags=["metrics"])

MODEL, METHOD = "postventa.kpi", "compute_kpis"
CACHE_TTL_S = 60.0
CACHE_MAX = 256
MAX_PERIOD_DAYS = 3660
ODOO_TIMEOUT = httpx.Timeout(connect=3.0, read=20.0, write=10.0, pool=5.0)
PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"

_cache: dict[tuple, tuple[float, dict]] = {}
_cache_lock = threading.Lock()


class Period(BaseModel):
    from_: str = Field(alias="from")
    to: str


class AttachRate(BaseModel):
    value: float | None
    numerator: int
    denominator: int


class ResolutionHours(BaseModel):
    count: int
    mean: float | None
    median: float | None
    p90: float | None


class StockRotation(BaseModel):
    units_out: float
    avg_on_hand: float
    turnover: float | None
    days_of_inventory: float | None


class WarrantyCost(BaseModel):
    tickets: int
    parts: float
    labor: float
    total: float
    per_ticket: float | None


class IntakeCompletion(BaseModel):
    value: float | None = Field(description="completed / started, 4 places; null when nothing started")
    completed: int
    started: int


class FirstResponse(BaseModel):
    median_seconds: float | None
    count: int


class MediaLag(BaseModel):
    median_seconds: float | None
    p90_seconds: float | None
    count: int
    queued: int
    oldest_queued_seconds: float


class DeliveryBacklog(BaseModel):
    pending: int
    dead: int
    oldest_pending_seconds: float


class Channel(BaseModel):
    whatsapp_intake_completion: IntakeCompletion
    first_response: FirstResponse
    media_processing_lag: MediaLag
    event_delivery_backlog: DeliveryBacklog


class Metrics(BaseModel):
    period: Period
    currency: str
    attach_rate: AttachRate
    resolution_hours: ResolutionHours
    stock_rotation: StockRotation
    warranty_cost: WarrantyCost
    channel: Channel
    odoo_cached_at: datetime = Field(description="when Odoo computed the four (answers are cached briefly)")


def _problem(status: int, error: str, detail: str | None = None) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": error, **({"detail": detail} if detail else {})})


def _odoo_kpis(settings: Settings, start: date, end: date) -> tuple[dict, datetime]:
    key = (settings.odoo_url, settings.odoo_db, start, end)
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(key)
        if hit and now - hit[0] < CACHE_TTL_S:
            return hit[1]["kpis"], hit[1]["at"]
    with OdooClient(settings, timeout=ODOO_TIMEOUT, retries=1, backoff_base=0.2, backoff_cap=1.0) as odoo:
        kpis = odoo.call(MODEL, METHOD, date_from=start.isoformat(), date_to=end.isoformat())
    at = datetime.now(UTC)
    with _cache_lock:
        if len(_cache) >= CACHE_MAX:
            _cache.clear()
        _cache[key] = (time.monotonic(), {"kpis": kpis, "at": at})
    return kpis, at


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


_CHANNEL_SQL = """
WITH wa AS (
    SELECT id, created_at, intake_completed_at FROM cases
     WHERE contact_id IS NOT NULL AND created_at >= %(start)s AND created_at < %(end)s
), first_reply AS (
    SELECT EXTRACT(EPOCH FROM min(o.sent_at) - wa.created_at) AS s
      FROM wa JOIN wa_outbox o ON o.case_id = wa.id AND o.state = 'sent' AND o.sent_at IS NOT NULL
     GROUP BY wa.id, wa.created_at
), media AS (
    SELECT EXTRACT(EPOCH FROM updated_at - created_at) AS s FROM wa_jobs
     WHERE kind = 'media' AND state = 'done' AND created_at >= %(start)s AND created_at < %(end)s
)
SELECT (SELECT count(*) FROM wa) AS started,
       (SELECT count(*) FROM wa WHERE intake_completed_at IS NOT NULL) AS completed,
       (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY s) FROM first_reply) AS first_median,
       (SELECT count(*) FROM first_reply) AS first_count,
       (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY s) FROM media) AS media_median,
       (SELECT percentile_cont(0.9) WITHIN GROUP (ORDER BY s) FROM media) AS media_p90,
       (SELECT count(*) FROM media) AS media_count,
       (SELECT count(*) FROM wa_jobs WHERE kind = 'media' AND state = 'queued') AS media_queued,
       (SELECT COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0) FROM wa_jobs
         WHERE kind = 'media' AND state = 'queued') AS media_oldest,
       (SELECT count(*) FROM event_deliveries WHERE state IN ('pending', 'failed')) AS backlog,
       (SELECT count(*) FROM event_deliveries WHERE state = 'dead') AS dead,
       (SELECT COALESCE(EXTRACT(EPOCH FROM now() - min(e.received_at)), 0)
          FROM event_deliveries d JOIN events e ON e.id = d.event_id
         WHERE d.state IN ('pending', 'failed')) AS backlog_oldest
"""


def _seconds(value: Any) -> float | None:
    return None if value is None else round(float(value), 3)


def channel_metrics(conn: psycopg.Connection, start: date, end: date) -> Channel:
    """The channel's own numbers for the UTC days ``start`` .. ``end`` (backlog: as of now)."""
    bounds = {"start": datetime.combine(start, dtime.min, tzinfo=UTC),
              "end": datetime.combine(end + timedelta(days=1), dtime.min, tzinfo=UTC)}
    r = conn.execute(_CHANNEL_SQL, bounds).fetchone()
    started, completed = int(r["started"]), int(r["completed"])
    return Channel(
        whatsapp_intake_completion=IntakeCompletion(
            value=round(completed / started, 4) if started else None, completed=completed, started=started),
        first_response=FirstResponse(median_seconds=_seconds(r["first_median"]), count=int(r["first_count"])),
        media_processing_lag=MediaLag(
            median_seconds=_seconds(r["media_median"]), p90_seconds=_seconds(r["media_p90"]),
            count=int(r["media_count"]), queued=int(r["media_queued"]),
            oldest_queued_seconds=_seconds(r["media_oldest"]) or 0.0),
        event_delivery_backlog=DeliveryBacklog(pending=int(r["backlog"]), dead=int(r["dead"]),
                                               oldest_pending_seconds=_seconds(r["backlog_oldest"]) or 0.0),
    )


@router.get(
    "/admin/metrics",
    response_model=Metrics,
    dependencies=[Depends(require_admin)],
    summary="The four after-sales metrics (from Odoo) and the WhatsApp channel's own, for a period",
    responses={
        400: {"description": "from is after to, or the period is longer than ten years"},
        401: {"description": "missing or wrong bearer token"},
        422: {"description": "from/to missing or not YYYY-MM-DD"},
        502: {"description": "Odoo answered with an error or refused the bridge's API key"},
        503: {"description": "admin API disabled, or Odoo not configured / not reachable"},
    },
)
def admin_metrics(
    from_: date = Query(..., alias="from", description="first day, YYYY-MM-DD (included)"),
    to: date = Query(..., description="last day, YYYY-MM-DD (included)"),
    settings: Settings = Depends(get_settings),
    conn: psycopg.Connection = Depends(get_conn),
):
    if from_ > to:
        return _problem(400, "from must not be after to")
    if (to - from_).days + 1 > MAX_PERIOD_DAYS:
        return _problem(400, f"the period is longer than {MAX_PERIOD_DAYS} days")
    if not settings.odoo_enabled:
        return _problem(503, "Odoo is not configured", "set ODOO_URL, ODOO_DB and ODOO_API_KEY")
    try:
        kpis, at = _odoo_kpis(settings, from_, to)
    except OdooUnavailable as exc:
        log.warning("metrics: %s", exc)
        return _problem(503, "Odoo is not reachable", str(exc))
    except OdooAuthError as exc:
        log.error("metrics: %s", exc)
        return _problem(502, "Odoo refused the bridge's API key (is its user in the integration group?)",
                        exc.message)
    except OdooError as exc:
        log.error("metrics: %s", exc)
        return _problem(502, "Odoo failed", str(exc))
    if not isinstance(kpis, dict):
        return _problem(502, "Odoo answered something that is not a metrics document")
    try:
        return Metrics(**kpis, channel=channel_metrics(conn, from_, to), odoo_cached_at=at)
    except (TypeError, ValueError) as exc:
        return _problem(502, "Odoo's metrics do not match the contract", str(exc)[:300])


@router.get(
    "/metrics",
    response_class=Response,
    dependencies=[Depends(require_admin)],
    summary="Prometheus metrics: webhook latency, queue depths and ages, sync lag, event deliveries",
    responses={200: {"content": {PROMETHEUS_TEXT: {}}, "description": "Prometheus text exposition format"}},
)
def prometheus_metrics(request: Request) -> Response:
    return Response(content=observability.render(request.app.state.pool), media_type=PROMETHEUS_TEXT)
