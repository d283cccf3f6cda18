"""Prometheus metrics (`GET /metrics`): counters and histograms fed by one-line hooks where things happen,
gauges read from the database at each scrape (so every replica reports the shared truth).

Hooks: `count_request` (handlers/answering.py), `observe_ack` (handlers/http.py), `count_slack_call` and
`count_slack_retry` (bot/slack/client.py), `observe_delivery` (bot/slack/outbox.py), `observe_firing`
(bot/scheduling/timers.py), `count_alert` (alert intake).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import structlog
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.incidents.lifecycle import OPEN_STATUSES
from bot.logging import get_logger
from storage.repositories import metrics as metric_rows

log = get_logger(__name__)

# One registry for Firebell's own metrics (the process and GC collectors are added to it as well).
REGISTRY = CollectorRegistry(auto_describe=True)
CONTENT_TYPE = CONTENT_TYPE_LATEST
for _collector in (PROCESS_COLLECTOR, GC_COLLECTOR, PLATFORM_COLLECTOR):
    REGISTRY.register(_collector)

REQUESTS = Counter("firebell_requests", "Slack requests handled, by type and outcome",
                   ["type", "outcome"], registry=REGISTRY)
ACK_SECONDS = Histogram("firebell_ack_seconds", "Time from receiving a Slack request to answering it (the ack)",
                        ["type"], registry=REGISTRY,
                        buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0))
SLACK_CALLS = Counter("firebell_slack_calls", "Slack Web API calls, by method and outcome (ok or Slack's error)",
                      ["method", "outcome"], registry=REGISTRY)
SLACK_RETRIES = Counter("firebell_slack_retries", "Quick in-place retries of Slack calls, by method and reason",
                        ["method", "reason"], registry=REGISTRY)
SLACK_PACE_WAIT = Counter("firebell_slack_pace_wait_seconds", "Seconds calls waited for Slack's pace, by method",
                          ["method"], registry=REGISTRY)
DELIVERY_SECONDS = Histogram("firebell_delivery_seconds", "Time from owing a delivery to Slack accepting it",
                             ["kind"], registry=REGISTRY,
                             buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800, 3600))
TIMER_LATENESS = Histogram("firebell_timer_lateness_seconds", "How late timers fired after their due time",
                           ["kind"], registry=REGISTRY, buckets=(0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600))
ALERTS = Counter("firebell_alerts", "Alerts received, by source and outcome (received, deduplicated, suppressed)",
                 ["source", "outcome"], registry=REGISTRY)

OUTBOX_DEPTH = Gauge("firebell_outbox_depth", "Deliveries owed and not yet settled, by state", ["state"],
                     registry=REGISTRY)
OUTBOX_OLDEST = Gauge("firebell_outbox_oldest_seconds", "Age of the oldest delivery not yet settled",
                      registry=REGISTRY)
TIMERS_PENDING = Gauge("firebell_timers", "Timers not yet fired, by state (pending, claimed)", ["state"],
                       registry=REGISTRY)
TIMERS_OVERDUE = Gauge("firebell_timers_overdue", "Pending timers whose due time has passed", registry=REGISTRY)
INCIDENTS_OPEN = Gauge("firebell_incidents_open", "Open incidents, by severity", ["severity"], registry=REGISTRY)
PAGES = Gauge("firebell_pages", "Pages ever owed, by outcome (queued, sent, failed)", ["outcome"],
              registry=REGISTRY)
SCRAPE_FAILED = Gauge("firebell_metrics_database_up", "1 when the last scrape could read the database",
                      registry=REGISTRY)


def count_request(outcome: str) -> None:
    """Called with the request's outcome; its type comes from the log context the middleware bound."""
    bound = structlog.contextvars.get_contextvars()
    REQUESTS.labels(str(bound.get("request_type", "unknown")), outcome).inc()


def observe_ack(kind: str, seconds: float) -> None:
    ACK_SECONDS.labels(kind).observe(seconds)


def count_slack_call(method: str, outcome: str) -> None:
    SLACK_CALLS.labels(method, outcome).inc()


def count_slack_retry(method: str, reason: str) -> None:
    SLACK_RETRIES.labels(method, reason).inc()


def count_pace_wait(method: str, seconds: float) -> None:
    if seconds > 0:
        SLACK_PACE_WAIT.labels(method).inc(seconds)


def observe_delivery(kind: str, owed_at: datetime, now: datetime) -> None:
    DELIVERY_SECONDS.labels(kind).observe(max(0.0, (now - owed_at).total_seconds()))


def observe_firing(kind: str, lateness: timedelta) -> None:
    TIMER_LATENESS.labels(kind).observe(max(0.0, lateness.total_seconds()))


def count_alert(source: str, outcome: str) -> None:
    ALERTS.labels(source, outcome).inc()


def _set_all(gauge: Gauge, values: dict[str, int], known: tuple[str, ...] = ()) -> None:
    # Labels seen before but absent now go to zero rather than keeping a stale value.
    seen = {labels[0] for labels in _label_values(gauge)} | set(known)
    for label in seen | set(values):
        gauge.labels(label).set(values.get(label, 0))


def _label_values(gauge: Gauge) -> list[tuple[str, ...]]:
    return list(gauge._metrics.keys())  # prometheus-client keeps children by label tuple


class MetricsReader:
    """Refreshes the database gauges, then renders every metric in Prometheus' text format."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self.sessions = sessions
        self.clock = clock

    async def refresh(self) -> None:
        now = self.clock.now()
        try:
            async with self.sessions() as session:
                snap = await metric_rows.snapshot(session=session, now=now,
                                                  open_statuses=[s.value for s in OPEN_STATUSES])
        except Exception as error:
            # The counters still answer; the database gauges keep their last value and say they are stale.
            log.warning("metrics_database_unreadable", error=type(error).__name__)
            SCRAPE_FAILED.set(0)
            return
        SCRAPE_FAILED.set(1)
        _set_all(OUTBOX_DEPTH, snap.deliveries_by_state, ("pending", "sending"))
        oldest = snap.oldest_pending_delivery
        OUTBOX_OLDEST.set((now - oldest).total_seconds() if oldest is not None else 0)
        _set_all(TIMERS_PENDING, snap.timers_by_state, ("pending", "claimed"))
        TIMERS_OVERDUE.set(snap.timers_overdue)
        _set_all(INCIDENTS_OPEN, snap.incidents_by_severity)
        _set_all(PAGES, snap.pages_by_status, ("queued", "sent", "failed"))

    async def render(self) -> bytes:
        await self.refresh()
        return bytes(generate_latest(REGISTRY))

    def handler(self) -> Callable[[], Awaitable[bytes]]:
        return self.render


POLICY = Gauge("firebell_policy_info", "1 for the hash of the policy this replica has in force", ["hash"],
               registry=REGISTRY)


def set_policy_hash(digest: str) -> None:
    POLICY.clear()
    POLICY.labels(digest).set(1)
