"""The bot process is killed (SIGKILL) while an alert waits for its deadline, then started again."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from bot.emulator import BotApiEmulator
from handlers.alerts import raise_alert
from handlers.clock import SystemClock
from handlers.context import ServiceContext
from handlers.identity import find_person
from handlers.importing import import_records
from handlers.rota import add_shift
from handlers.service_config import ServiceConfig, load_service_config
from storage.database import Database
from storage.models import AuditEvent, Severity, TelegramLink
from tests.conftest import EXAMPLE_CONFIG
from tests.e2e.fixtures import (
    ALERT_STAFF,
    COORDINATOR,
    MANAGER,
    PEOPLE,
    SENIOR,
    TEAM_MANAGER,
    WORKER,
)

TOKEN = "654321:SIGKILL-TEST-TOKEN"
TICK_SECONDS = 1.0
FIRST_TIMEOUT_MINUTES = 0.3  # 18 s: long enough for a restart, short enough for a test
USERS = {"W1": WORKER, "SN1": SENIOR, "M1": MANAGER, "TM1": TEAM_MANAGER, "K1": COORDINATOR}


def short_chain_config(tmp_path: Path) -> Path:
    text = EXAMPLE_CONFIG.read_text().replace(
        "timeout_minutes = { immediate = 2, urgent = 5, worry = 30 }",
        f"timeout_minutes = {{ immediate = 2, urgent = {FIRST_TIMEOUT_MINUTES}, worry = 30 }}",
    )
    path = tmp_path / "service.toml"
    path.write_text(text)
    return path


async def prepare(db: Database, config: ServiceConfig, emulator: BotApiEmulator) -> None:
    """Staff linked and on site now, straight in the database (linking has its own tests)."""
    clock = SystemClock()
    now = clock.now()
    async with db.unit_of_work() as session:
        await import_records(session, config, now=now, people=PEOPLE + ALERT_STAFF)
        for ref, user_id in USERS.items():
            person = await find_person(session, ref)
            assert person is not None
            session.add(
                TelegramLink(
                    person_id=person.id,
                    telegram_user_id=user_id,
                    chat_id=user_id,
                    linked_at=now,
                    is_reachable=True,
                )
            )
            emulator.user_sends_text(user_id, "hello")  # they have opened a chat with the bot
            if ref in ("SN1", "M1"):
                await add_shift(
                    session,
                    person,
                    venue_code="coffee-hall",
                    starts_at=now - timedelta(hours=1),
                    ends_at=now + timedelta(hours=1),
                    is_on_call=False,
                    now=now,
                )
    emulator.state.pending.clear()  # those hellos are not for the bot under test


def start_bot(
    db_url: str, api_root: str, config_path: Path, runtime: str
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "FAMILYTIME_TELEGRAM_TOKEN": TOKEN,
        "FAMILYTIME_TELEGRAM_API_URL": api_root,
        "FAMILYTIME_DATABASE_URL": db_url,
        "FAMILYTIME_SERVICE_CONFIG": str(config_path),
        "FAMILYTIME_RUNTIME": runtime,
        "FAMILYTIME_TICK_SECONDS": str(TICK_SECONDS),
        "FAMILYTIME_LOG_LEVEL": "WARNING",
        # Not on the default port: several test runs can share a machine.
        "FAMILYTIME_HEALTH_LISTEN": "",
    }
    script = Path(sys.executable).with_name("familytime")
    return subprocess.Popen([str(script), "run"], env=env, stdout=subprocess.DEVNULL)


async def wait_for(condition: Callable[[], bool], what: str, timeout: float = 40.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def test_a_killed_bot_escalates_once_on_time_after_restart(
    database: Database, tmp_path: Path
) -> None:
    config_path = short_chain_config(tmp_path)
    config = load_service_config(config_path)
    runtime = "aiogram" if database.is_postgres else "ptb"  # each runtime once, to keep it quick
    emulator = BotApiEmulator(token=TOKEN, bot_username="familytime_kill_bot")
    root = await emulator.start(host="127.0.0.1", port=0)
    bot: subprocess.Popen[bytes] | None = None
    try:
        await prepare(database, config, emulator)
        ctx = ServiceContext(config, SystemClock())
        async with database.unit_of_work() as session:
            worker = await find_person(session, "W1")
            assert worker is not None
            alert, _ = await raise_alert(
                session, worker, severity=Severity.URGENT, session_id=None, note=None, ctx=ctx
            )
            deadline = alert.due_at
        assert deadline is not None

        def count(chat: int) -> int:
            return len(emulator.messages(chat))

        def starts() -> int:
            return sum(1 for method, _ in emulator.calls if method.lower() == "getme")

        bot = start_bot(database.url, root, config_path, runtime)
        await wait_for(lambda: count(SENIOR) == 1 and count(MANAGER) == 1, "the first pings")
        bot.send_signal(signal.SIGKILL)
        bot.wait(10)
        bot = start_bot(database.url, root, config_path, runtime)
        await wait_for(lambda: starts() == 2, "the restarted bot to reach Telegram")
        restarted_in_time = SystemClock().now() < deadline
        await wait_for(lambda: count(TEAM_MANAGER) == 1, "the escalation")
        await asyncio.sleep(3 * TICK_SECONDS)  # room for a duplicate to show, if there were one
        assert (count(SENIOR), count(MANAGER), count(TEAM_MANAGER), count(COORDINATOR)) == (
            1,
            2,
            1,
            1,
        )
        async with database.unit_of_work() as session:
            passed = list(
                await session.scalars(
                    select(AuditEvent).where(AuditEvent.action == "alert.deadline_passed")
                )
            )
        assert len(passed) == 1
        if restarted_in_time:  # up before the deadline: it fires on time, to within one tick
            assert passed[0].details["lateness_seconds"] <= TICK_SECONDS, passed[0].details
        else:  # this machine restarted too slowly: the overdue escalation still fires once
            assert passed[0].details["lateness_seconds"] > 0
    finally:
        if bot is not None and bot.poll() is None:
            bot.send_signal(signal.SIGKILL)
            bot.wait(10)
        await emulator.stop()
