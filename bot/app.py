"""The running bot: poll Telegram into the inbox, work through it, deliver the outbox."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.exc import IntegrityError

from bot.delivery_follow_ups import ServiceFollowUps
from bot.gateway import Gateway
from bot.health_server import HealthServer
from bot.metrics import ProcessMetrics
from bot.webhook import WebhookServer
from conversations.command_menus import refresh_command_menus
from conversations.flows.report import REPORT_SUBMITTED
from conversations.processing import process_pending_updates
from handlers.delivery.inbox import record_updates
from handlers.people import sync_venues
from handlers.service.clock import Clock
from handlers.service.config import ServiceConfig
from handlers.service.context import ServiceContext
from handlers.service.limits import DEFAULT_LIMIT as DEFAULT_SENDER_LIMIT
from handlers.service.limits import SenderLimit
from scheduler.dispatcher import DEFAULT_LIMITS, Dispatcher
from scheduler.due_work import DueWork
from scheduler.pacing import Limits
from scheduler.report_pdfs import ReportPdfs
from storage.database import Database

log = logging.getLogger(__name__)

SHUTDOWN_GRACE_SECONDS = 5.0


@dataclass(frozen=True)
class Webhook:
    """Where Telegram should POST updates, the secret it must send, and where we listen."""

    url: str
    secret: str
    listen_host: str = "0.0.0.0"
    listen_port: int = 8080
    path: str = "/telegram"


class FamilyTimeApp:
    """One bot process: a poller, an inbox worker, a dispatcher and a scheduler tick."""

    def __init__(
        self,
        db: Database,
        gateway: Gateway,
        config: ServiceConfig,
        clock: Clock,
        *,
        poll_timeout: int = 25,
        tick_seconds: float = 5.0,
        receives_updates: bool = True,
        webhook: Webhook | None = None,
        limits: Limits = DEFAULT_LIMITS,
        health_listen: tuple[str, int] | None = None,
        sender_limit: SenderLimit = DEFAULT_SENDER_LIMIT,
    ) -> None:
        self.db = db
        self.sender_limit = sender_limit
        self.gateway = gateway
        self.config = config
        self.clock = clock
        self.poll_timeout = poll_timeout
        self.tick_seconds = tick_seconds
        self.receives_updates = receives_updates
        self.webhook = webhook
        self.webhook_port: int | None = None
        self.health_listen = health_listen  # (host, port) for /healthz and /metrics, or None
        self.health_port: int | None = None
        self._inbox_wake = asyncio.Event()
        self._due_work_wake = asyncio.Event()
        self._reports_wake = asyncio.Event()
        follow_ups = ServiceFollowUps(on_alert_climbs=self._due_work_wake.set)
        self.dispatcher = Dispatcher(db, gateway, clock, follow_ups=follow_ups, limits=limits)
        self._scheduler = AsyncIOScheduler(timezone="UTC")
        self._due_work_passes = (0, 0)  # (started, finished)
        self.ready = asyncio.Event()
        self.metrics = ProcessMetrics()

    def wake(self) -> None:
        """Look at everything due now (the scheduler tick, or a test moving the clock)."""
        self._inbox_wake.set()
        self._due_work_wake.set()
        self._reports_wake.set()
        self.dispatcher.wake()

    def _after_inbox_commit(self, outcomes: Sequence[str]) -> None:
        """Replies go out at once, and a report just submitted gets its PDF made."""
        self.dispatcher.wake()
        if REPORT_SUBMITTED in outcomes:
            self._reports_wake.set()

    async def caught_up(self) -> None:
        """Wait for a full pass over due work that began after this call (tests move the clock)."""
        target = self._due_work_passes[0] + 1
        while self._due_work_passes[1] < target:
            await asyncio.sleep(0.01)

    def _wake_at(self, deadline: datetime) -> None:
        """An exact wake-up for the nearest deadline, so escalations don't wait for a tick."""
        delay = (deadline - self.clock.now()).total_seconds()
        if delay <= 0:
            self._due_work_wake.set()
            return
        run_date = datetime.now(UTC) + timedelta(seconds=delay)
        self._scheduler.add_job(
            self.wake, "date", run_date=run_date, id="deadline", replace_existing=True
        )

    async def run(self, stop: asyncio.Event) -> None:
        """Run until `stop` is set; everything due is in the database, so stopping loses nothing."""
        health: HealthServer | None = None
        if self.health_listen is not None:  # first, so a port already taken stops start-up
            health = HealthServer(self.db, self.clock, self.metrics, limits=self.config.watchdog)
            self.health_port = await health.start(*self.health_listen)
        username = await self.gateway.start()
        ctx = ServiceContext(self.config, self.clock, username, self.sender_limit)
        async with self.db.unit_of_work() as uow:
            await sync_venues(uow, self.config)
        await self._refresh_command_menus()
        due_work = DueWork(
            self.db,
            ctx,
            on_queued=self.dispatcher.wake,
            on_next_deadline=self._wake_at,
            on_escalated=self.metrics.observe_escalation,
        )
        report_pdfs = ReportPdfs(self.db, ctx, on_queued=self.dispatcher.wake)
        self._scheduler.add_job(self.wake, "interval", seconds=self.tick_seconds, id="tick")
        self._scheduler.start()
        loops: dict[str, Callable[[asyncio.Event], Awaitable[None]]] = {
            "outbox": self.dispatcher.run,
            "due work": lambda s: self._work_due(s, due_work),
            "report PDFs": lambda s: self._make_report_pdfs(s, report_pdfs),
        }
        server: WebhookServer | None = None
        if self.receives_updates:
            loops["inbox"] = lambda s: self._work_inbox(s, ctx)
            if self.webhook is None:
                await self.gateway.use_webhook(None, None)
                loops["poller"] = self._poll
            else:
                server = await self._serve_webhook(self.webhook)
        tasks = [asyncio.create_task(self._guard(name, loop, stop)) for name, loop in loops.items()]
        log.info("bot @%s running on %s", username, self.gateway.name)
        self.ready.set()
        try:
            await stop.wait()
        finally:
            # Let each loop finish its current unit of work (a task cancelled mid-transaction
            # can leave a row lock behind); only a long poll still waiting is cancelled.
            _, unfinished = await asyncio.wait(tasks, timeout=SHUTDOWN_GRACE_SECONDS)
            for task in unfinished:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            self._scheduler.shutdown(wait=False)
            if server is not None:
                await server.stop()
            if health is not None:
                await health.stop()
            await self.gateway.close()

    async def _refresh_command_menus(self) -> None:
        """Each linked chat's command list as the registry now has it (after a release, say)."""
        try:
            async with self.db.unit_of_work() as uow:
                queued = await refresh_command_menus(uow, self.clock.now())
        except IntegrityError:  # another instance starting at the same time queued them
            log.info("command lists already queued by another instance")
            return
        if queued:
            log.info("queued %s updated command lists", queued)

    async def _serve_webhook(self, webhook: Webhook) -> WebhookServer:
        """Listen for Telegram's POSTs, then register the URL with the shared secret."""
        server = WebhookServer(
            self.db,
            self.gateway,
            self.clock,
            secret=webhook.secret,
            path=webhook.path,
            on_recorded=self._inbox_wake.set,
        )
        self.webhook_port = await server.start(webhook.listen_host, webhook.listen_port)
        await self.gateway.use_webhook(webhook.url, webhook.secret)
        return server

    async def _guard(
        self, name: str, loop: Callable[[asyncio.Event], Awaitable[None]], stop: asyncio.Event
    ) -> None:
        """Keep a loop alive through unexpected errors; a crash must not stop the bot."""
        while not stop.is_set():
            try:
                await loop(stop)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s loop failed; restarting it in a second", name)
                await _sleep_or_stop(stop, 1.0)

    async def _poll(self, stop: asyncio.Event) -> None:
        """Fetch updates and commit them to the inbox before the next fetch acknowledges them."""
        offset: int | None = None
        while not stop.is_set():
            try:
                updates = await self.gateway.fetch_updates(offset, self.poll_timeout)
            except Exception as exc:
                log.warning("getUpdates failed (%s); retrying", type(exc).__name__)
                await _sleep_or_stop(stop, 2.0)
                continue
            if not updates:
                continue
            async with self.db.unit_of_work() as uow:
                await record_updates(uow, updates, now=self.clock.now())
            offset = max(update_id for update_id, _ in updates) + 1
            self._inbox_wake.set()

    async def _work_inbox(self, stop: asyncio.Event, ctx: ServiceContext) -> None:
        """Handle new updates as soon as they are committed, then wake the dispatcher."""
        while not stop.is_set():
            self._inbox_wake.clear()
            # New deadlines are picked up by the next tick, which sets their exact wake-up;
            # not waking escalations per update keeps the write lock free for the pings.
            await process_pending_updates(self.db, ctx, on_committed=self._after_inbox_commit)
            await _wait_either(self._inbox_wake, stop, self.tick_seconds)

    async def _work_due(self, stop: asyncio.Event, worker: DueWork) -> None:
        """Act on due deadlines whenever woken (tick, exact deadline, or an undeliverable ping)."""
        while not stop.is_set():
            self._due_work_wake.clear()
            started, finished = self._due_work_passes
            self._due_work_passes = (started + 1, finished)
            try:
                await worker.run_once()
            finally:
                self._due_work_passes = (self._due_work_passes[0], finished + 1)
            await _wait_either(self._due_work_wake, stop, self.tick_seconds)

    async def _make_report_pdfs(self, stop: asyncio.Event, maker: ReportPdfs) -> None:
        """Make submitted reports' PDFs when woken (a submission committed, or the tick), in
        their own loop: a long render holds up neither the inbox nor an escalation."""
        while not stop.is_set():
            self._reports_wake.clear()
            await maker.run_once()
            await _wait_either(self._reports_wake, stop, self.tick_seconds)


async def _wait_either(event: asyncio.Event, stop: asyncio.Event, timeout: float) -> None:
    waiters = {asyncio.ensure_future(event.wait()), asyncio.ensure_future(stop.wait())}
    await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    for waiter in waiters:
        waiter.cancel()


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
