"""Prometheus metrics for operations (``GET /metrics``), shared by the web app and its routers.

Two kinds, on purpose:

- **In-process**: what happens inside the web process itself — the WhatsApp webhook's latency
  (``observe_webhook``, called by the ack in ``bridge/api/twilio.py``).
- **Read from Neon at scrape time**: queues, sync lag and event delivery. The sync worker, media
  worker and event dispatcher are separate processes (often several, restarted at will); their
  counters in memory would be invisible to the web app and lost on restart, while their tables
  already hold the truth. ``NeonCollector`` turns those rows into gauges and counters on each scrape
  (a handful of indexed aggregates; one short query).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from prometheus_client import CollectorRegistry, Histogram, PlatformCollector, ProcessCollector
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

log = logging.getLogger(__name__)

REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)

WEBHOOK_LATENCY = Histogram(
    "postventa_webhook_latency_seconds",
    "Time to answer an inbound webhook, from request to response (TwiML included).",
    ["route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)


_observers: dict[tuple[str, int], Callable[[float], None]] = {}


def observe_webhook(route: str, status: int, seconds: float) -> None:
    """One answered webhook in ``WEBHOOK_LATENCY`` (the labelled child looked up once per route and status)."""
    observe = _observers.get((route, status))
    if observe is None:
        observe = _observers[(route, status)] = WEBHOOK_LATENCY.labels(route=route, status=str(status)).observe
    observe(seconds)


_NEON_SQL = """
SELECT
  (SELECT count(*) FROM wa_jobs WHERE state = 'queued') AS media_queued,
  (SELECT count(*) FROM wa_jobs WHERE state = 'running') AS media_running,
  (SELECT COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0) FROM wa_jobs WHERE state = 'queued')
      AS media_oldest_s,
  (SELECT count(*) FROM wa_jobs WHERE state = 'failed') AS media_failed,
  (SELECT count(*) FROM wa_outbox WHERE state = 'pending') AS outbox_pending,
  (SELECT count(*) FROM wa_outbox WHERE state IN ('held', 'failed')) AS outbox_stuck,
  (SELECT COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0) FROM wa_outbox WHERE state = 'pending')
      AS outbox_oldest_s,
  (SELECT count(*) FROM event_deliveries WHERE state IN ('pending', 'failed')) AS events_open,
  (SELECT count(*) FROM event_deliveries WHERE state = 'dead') AS events_dead,
  (SELECT COALESCE(EXTRACT(EPOCH FROM now() - min(e.received_at)), 0)
     FROM event_deliveries d JOIN events e ON e.id = d.event_id WHERE d.state IN ('pending', 'failed'))
      AS events_oldest_s,
  (SELECT count(*) FROM event_delivery_attempts) AS attempts,
  (SELECT count(*) FROM event_delivery_attempts
    WHERE status_code IS NULL OR status_code < 200 OR status_code >= 300) AS attempt_failures,
  (SELECT count(*) FROM cases WHERE odoo_pushed_rev IS DISTINCT FROM intake_rev) AS sync_push_pending,
  (SELECT COALESCE(EXTRACT(EPOCH FROM now() - min(updated_at)), 0) FROM cases
    WHERE odoo_pushed_rev IS DISTINCT FROM intake_rev) AS sync_push_oldest_s,
  (SELECT EXTRACT(EPOCH FROM now() - (value->>'last_ok_at')::timestamptz) FROM bridge_state
    WHERE key = 'sync.status' AND value ? 'last_ok_at') AS sync_lag_s
"""


class NeonCollector:
    """Queue depths and ages, sync lag and delivery counters, read from Neon on every collect()."""

    def __init__(self, pool) -> None:
        self._pool = pool

    def collect(self) -> Iterable[Metric]:
        up = GaugeMetricFamily("postventa_neon_up", "1 when the scrape could read Neon, 0 otherwise.")
        try:
            with self._pool.connection(timeout=2) as conn:
                row = conn.execute(_NEON_SQL).fetchone()
        except Exception as exc:  # noqa: BLE001 - a scrape must answer even when Neon does not
            log.warning("metrics: Neon unreadable (%s)", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        depth = GaugeMetricFamily("postventa_queue_depth", "Items waiting in a queue.", labels=["queue", "state"])
        for queue, state, key in (("media_jobs", "queued", "media_queued"), ("media_jobs", "running", "media_running"),
                                  ("media_jobs", "failed", "media_failed"),
                                  ("whatsapp_outbox", "pending", "outbox_pending"),
                                  ("whatsapp_outbox", "held_or_failed", "outbox_stuck"),
                                  ("event_deliveries", "pending_or_failed", "events_open"),
                                  ("event_deliveries", "dead", "events_dead"),
                                  ("sync_push", "pending", "sync_push_pending")):
            depth.add_metric([queue, state], float(row[key]))
        yield depth
        age = GaugeMetricFamily("postventa_queue_oldest_age_seconds", "Age of the oldest waiting item (0: empty).",
                                labels=["queue"])
        for queue, key in (("media_jobs", "media_oldest_s"), ("whatsapp_outbox", "outbox_oldest_s"),
                           ("event_deliveries", "events_oldest_s"), ("sync_push", "sync_push_oldest_s")):
            age.add_metric([queue], float(row[key]))
        yield age
        lag = GaugeMetricFamily("postventa_sync_lag_seconds",
                                "Seconds since the sync worker last finished a pass with Odoo (absent: never).")
        if row["sync_lag_s"] is not None:
            lag.add_metric([], max(0.0, float(row["sync_lag_s"])))
        yield lag
        attempts = CounterMetricFamily("postventa_event_delivery_attempts",
                                       "Webhook delivery attempts to Make/n8n, by outcome.", labels=["outcome"])
        attempts.add_metric(["success"], float(row["attempts"] - row["attempt_failures"]))
        attempts.add_metric(["failure"], float(row["attempt_failures"]))
        yield attempts
        failures = CounterMetricFamily("postventa_event_delivery_failures",
                                       "Webhook delivery attempts that failed (non-2xx or no answer).")
        failures.add_metric([], float(row["attempt_failures"]))
        yield failures


def render(pool) -> bytes:
    """The whole exposition: in-process metrics plus Neon's, in Prometheus text format."""
    from prometheus_client import generate_latest

    neon = CollectorRegistry(auto_describe=False)
    neon.register(NeonCollector(pool))
    return generate_latest(REGISTRY) + generate_latest(neon)
