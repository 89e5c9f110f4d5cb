"""The offline sandbox: the Bot API emulator, demo data, the bot and its page, in one process."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app import FamilyTimeApp
from bot.emulator import BotApiEmulator
from bot.sandbox_clock import SandboxClock
from bot.sandbox_page import page_routes
from bot.sandbox_seed import remove_database, seed_demo, sqlite_url
from bot.wiring import make_gateway
from handlers.service.config import ServiceConfig
from storage.database import Database

log = logging.getLogger(__name__)

# Never a real token: the sandbox talks to its own emulator on loopback, whatever is set.
SANDBOX_TOKEN = "123456:SANDBOX-NOT-A-REAL-TOKEN"
SANDBOX_HOST = "127.0.0.1"
SANDBOX_PORT = 8080
SANDBOX_DATABASE = Path("sandbox.sqlite3")
STOP_SECONDS = 15.0
WATCHDOG_PATIENCE_MINUTES = 3 * 24 * 60  # longer than any jump of the clock the page offers


class PortTaken(Exception):
    """The sandbox's port is in use (most likely by another sandbox)."""


class Sandbox:
    """The emulator and page on one port, and a bot on fresh demo data that Reset starts again."""

    def __init__(
        self,
        config: ServiceConfig,
        runtime: str,
        database_file: Path,
        *,
        start_at: datetime | None = None,
    ) -> None:
        self.config = _for_the_sandbox(config)
        self.runtime = runtime
        self.database_file = database_file
        self.zone = ZoneInfo(config.timezone)
        self.clock = SandboxClock(start_at)
        self.emulator = BotApiEmulator(token=SANDBOX_TOKEN)
        self.generation = 0  # counts resets, so an open page knows to read everything again
        self.root = ""
        self._app: FamilyTimeApp | None = None
        self._db: Database | None = None
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    async def open(self, port: int = SANDBOX_PORT) -> str:
        """Take the port first (so a second sandbox leaves the first one's data alone), then
        start the bot on fresh demo data; returns the page's address."""
        try:
            self.root = await self.emulator.start(
                host=SANDBOX_HOST, port=port, routes=page_routes(self)
            )
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortTaken(f"port {port} is taken: is another sandbox running?") from None
            raise
        async with self._lock:
            await self._start_bot()
        return self.root + "/"

    async def close(self) -> None:
        """Stop the bot, then the emulator and the page."""
        async with self._lock:
            await self._stop_bot()
        with contextlib.suppress(Exception):
            await self.emulator.stop()

    async def reset(self) -> None:
        """Fresh demo data, empty chats and the clock back at its start."""
        async with self._lock:
            await self._stop_bot()
            self.emulator.forget_everything()
            self.clock.reset()
            self.generation += 1
            await self._start_bot()

    def move_clock(self, minutes: int | None = None, *, to_tomorrow: time | None = None) -> None:
        """Move the sandbox time on and let the bot do at once whatever has come due."""
        if to_tomorrow is not None:
            self.clock.advance_to_tomorrow(to_tomorrow, self.zone)
        elif minutes is not None:
            self.clock.advance(timedelta(minutes=minutes))
        if self._app is not None:
            self._app.wake()

    async def _start_bot(self) -> None:
        """A new database of demo data, and the bot on it (ready when this returns)."""
        remove_database(self.database_file)
        db = Database(sqlite_url(self.database_file))
        await seed_demo(db, self.config, self.emulator, self.clock.now())
        gateway = make_gateway(self.runtime, SANDBOX_TOKEN, self.root, poll_timeout=10)
        app = FamilyTimeApp(db, gateway, self.config, self.clock, poll_timeout=10, tick_seconds=1.0)
        self._db, self._app, self._stop = db, app, asyncio.Event()
        self._task = asyncio.create_task(app.run(self._stop))
        ready = asyncio.create_task(app.ready.wait())
        await asyncio.wait({ready, self._task}, return_when=asyncio.FIRST_COMPLETED)
        ready.cancel()
        if self._task.done():  # the bot could not start: say why, once
            self._task.result()

    async def _stop_bot(self) -> None:
        """Stop the bot as a shutdown would, and close its database."""
        task, db = self._task, self._db
        self._stop.set()
        if task is not None:
            # End the waiting long poll at once rather than at its timeout.
            deadline = asyncio.get_running_loop().time() + STOP_SECONDS
            while not task.done() and asyncio.get_running_loop().time() < deadline:
                self.emulator.state.wake()
                await asyncio.wait({task}, timeout=0.05)
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await task
        if db is not None:
            await db.dispose()
        self._task = self._app = self._db = None


def _for_the_sandbox(config: ServiceConfig) -> ServiceConfig:
    """The council's config, but with no watchdog warning for a delay only the clock made: a
    jump of the sandbox clock makes whatever came due meanwhile look late."""
    patient = config.watchdog.model_copy(
        update={"unsent_minutes": WATCHDOG_PATIENCE_MINUTES,
                "escalation_late_seconds": WATCHDOG_PATIENCE_MINUTES * 60}
    )  # fmt: skip
    return config.model_copy(update={"watchdog": patient})


async def run_sandbox(
    stop: asyncio.Event,
    config: ServiceConfig,
    runtime: str,
    port: int = SANDBOX_PORT,
    database_file: Path = SANDBOX_DATABASE,
    *,
    start_at: datetime | None = None,
) -> None:
    """Serve the sandbox until `stop` is set; raises PortTaken when the port is in use."""
    sandbox = Sandbox(config, runtime, database_file, start_at=start_at)
    address = await sandbox.open(port)
    log.info("Sandbox ready: open %s in a browser (Ctrl+C stops it).", address)
    try:
        await stop.wait()
    finally:
        await sandbox.close()
