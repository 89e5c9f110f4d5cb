"""/metrics in Prometheus' text format, read from the database at scrape time."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from handlers.health import Health

CONTENT_TYPE = CONTENT_TYPE_LATEST


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


def render_metrics(health: Health) -> bytes:
    """The exposition text for one snapshot."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Snapshot(health))
    return generate_latest(registry)
