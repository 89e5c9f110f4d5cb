"""/metrics in Prometheus' text format: figures and totals read from the database (the totals at
most every so often), and this process's own escalation lateness histogram (Prometheus adds up
the instances' histograms)."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from handlers.delivery.health import Health

CONTENT_TYPE = CONTENT_TYPE_LATEST
# From "on time" to "the watchdog has already turned the health check red" (over 60 s late).
LATENESS_BUCKETS = (0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600)


class ProcessMetrics:
    """What this process measures as it works, kept in memory (one registry per bot)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._lateness = Histogram(
            "familytime_escalation_lateness_seconds",
            "How long after its deadline each alert escalation ran",
            buckets=LATENESS_BUCKETS,
            registry=self.registry,
        )

    def observe_escalation(self, lateness_seconds: float) -> None:
        """Count one escalation that ran this long after its deadline."""
        self._lateness.observe(max(0.0, lateness_seconds))


class _Snapshot(Collector):
    def __init__(self, health: Health) -> None:
        self._health = health

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        health = self._health
        yield CounterMetricFamily(
            "familytime_updates_processed",
            "Updates handled from the inbox",
            value=health.updates_processed,
        )
        sends = CounterMetricFamily(
            "familytime_outbox_messages", "Outbox messages by outcome", labels=["outcome"]
        )
        for outcome, count in sorted(health.sends_by_outcome.items()):
            sends.add_metric([outcome], count)
        yield sends
        yield GaugeMetricFamily(
            "familytime_outbox_depth", "Messages waiting to be sent", value=health.outbox_depth
        )
        yield GaugeMetricFamily(
            "familytime_outbox_oldest_age_seconds",
            "Age of the oldest unsent message",
            value=health.oldest_unsent_seconds,
        )
        yield GaugeMetricFamily(
            "familytime_escalation_lag_seconds",
            "How far past its deadline the most overdue alert is (0 when none is overdue)",
            value=health.escalation_lag_seconds,
        )


def render_metrics(health: Health, process: ProcessMetrics | None = None) -> bytes:
    """The exposition text for one snapshot, and this process's own metrics."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Snapshot(health))
    own = generate_latest(process.registry) if process is not None else b""
    return generate_latest(registry) + own
