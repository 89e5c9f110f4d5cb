"""/healthz and /metrics, on their own address (loopback by default), never beside the webhook.

Each request is cheap: the health figures come from indexed queries, and the running totals
(whole-table counts) are read at most once every `totals_max_age` seconds, however often
anyone scrapes.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time

from aiohttp import web

from bot.metrics import CONTENT_TYPE, ProcessMetrics, render_metrics
from handlers.delivery.health import DEFAULT_LIMITS, Totals, check_health, count_totals
from handlers.service.clock import Clock
from handlers.service.config import Watchdog
from storage.database import Database

log = logging.getLogger(__name__)

TOTALS_MAX_AGE_SECONDS = 30.0


class HealthServer:
    """Answers the load balancer's health check and Prometheus' scrape for one instance."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        metrics: ProcessMetrics | None = None,
        *,
        totals_max_age: float = TOTALS_MAX_AGE_SECONDS,
        limits: Watchdog = DEFAULT_LIMITS,
    ) -> None:
        self._db = db
        self._clock = clock
        self._process_metrics = metrics
        self._totals_max_age = totals_max_age
        self._limits = limits  # the council's watchdog settings: /healthz turns red by them
        self._totals: tuple[float, Totals] | None = None  # (monotonic time read, totals)
        self._totals_lock = asyncio.Lock()
        self._runner: web.AppRunner | None = None

    async def start(self, host: str, port: int) -> int:
        """Listen; returns the port (useful when 0 asked for a free one)."""
        app = web.Application()
        app.router.add_get("/healthz", self._health)
        app.router.add_get("/metrics", self._metrics)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        return int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _health(self, request: web.Request) -> web.Response:
        try:
            async with self._db.unit_of_work() as uow:
                health = await check_health(uow, self._clock.now(), self._limits)
        except Exception:
            log.exception("health check could not reach the database")
            return web.json_response({"ok": False, "database": "unreachable"}, status=503)
        body = {
            "ok": health.is_healthy,
            "database": "ok",
            "outbox_depth": health.outbox_depth,
            "oldest_unsent_seconds": round(health.oldest_unsent_seconds, 3),
            "escalation_lag_seconds": round(health.escalation_lag_seconds, 3),
        }
        return web.json_response(body, status=200 if health.is_healthy else 503)

    async def _metrics(self, request: web.Request) -> web.Response:
        async with self._db.unit_of_work() as uow:
            health = await check_health(uow, self._clock.now(), self._limits)
        totals = await self._recent_totals()
        health = dataclasses.replace(
            health,
            updates_processed=totals.updates_processed,
            sends_by_outcome=totals.sends_by_outcome,
        )
        return web.Response(
            body=render_metrics(health, self._process_metrics),
            headers={"Content-Type": CONTENT_TYPE},
        )

    async def _recent_totals(self) -> Totals:
        """The totals, counted again only when older than `totals_max_age` (one count at once)."""
        async with self._totals_lock:
            if self._totals is None or time.monotonic() - self._totals[0] >= self._totals_max_age:
                async with self._db.unit_of_work() as uow:
                    self._totals = (time.monotonic(), await count_totals(uow))
            return self._totals[1]
