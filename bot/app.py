"""The running bot: poll Telegram into the inbox, work through it, deliver the outbox."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.gateway import Gateway
from conversations.processing import process_pending_updates
from handlers.clock import Clock
from handlers.context import ServiceContext
from handlers.inbox import record_updates
from handlers.service_config import ServiceConfig
from handlers.venues import sync_venues
from scheduler.dispatcher import Dispatcher
from storage.database import Database

log = logging.getLogger(__name__)


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
    ) -> None:
        self.db = db
        self.gateway = gateway
        self.config = config
        self.clock = clock
        self.poll_timeout = poll_timeout
        self.tick_seconds = tick_seconds
        self.dispatcher = Dispatcher(db, gateway, clock)
        self._inbox_wake = asyncio.Event()
        self.ready = asyncio.Event()

    def wake(self) -> None:
        """Look at the inbox and outbox now (the scheduler tick, or a test moving the clock)."""
        self._inbox_wake.set()
        self.dispatcher.wake()

    async def run(self, stop: asyncio.Event) -> None:
        """Run until `stop` is set; everything due is in the database, so stopping loses nothing."""
        username = await self.gateway.start()
        ctx = ServiceContext(self.config, self.clock, username)
        async with self.db.unit_of_work() as session:
            await sync_venues(session, self.config)
        scheduler = AsyncIOScheduler(timezone="UTC")
        scheduler.add_job(self.wake, "interval", seconds=self.tick_seconds, id="tick")
        scheduler.start()
        tasks = [
            asyncio.create_task(self._guard("poller", self._poll, stop)),
            asyncio.create_task(self._guard("inbox", lambda s: self._work_inbox(s, ctx), stop)),
            asyncio.create_task(self._guard("outbox", self.dispatcher.run, stop)),
        ]
        log.info("bot @%s running on %s", username, self.gateway.name)
        self.ready.set()
        try:
            await stop.wait()
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            scheduler.shutdown(wait=False)
            await self.gateway.close()

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
            async with self.db.unit_of_work() as session:
                await record_updates(session, updates, now=self.clock.now())
            offset = max(update_id for update_id, _ in updates) + 1
            self._inbox_wake.set()

    async def _work_inbox(self, stop: asyncio.Event, ctx: ServiceContext) -> None:
        """Handle new updates as soon as they are committed, then wake the dispatcher."""
        while not stop.is_set():
            self._inbox_wake.clear()
            if await process_pending_updates(self.db, ctx):
                self.dispatcher.wake()
            await _wait_either(self._inbox_wake, stop, self.tick_seconds)


async def _wait_either(event: asyncio.Event, stop: asyncio.Event, timeout: float) -> None:
    waiters = {asyncio.ensure_future(event.wait()), asyncio.ensure_future(stop.wait())}
    await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    for waiter in waiters:
        waiter.cancel()


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
