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

from sqlalchemy import func, select

from bot.emulator import BotApiEmulator, Fault
from handlers.alerts.raising import raise_alert
from handlers.alerts.rota import add_shift
from handlers.delivery.outbox_status import sent_after_a_timeout
from handlers.people.identity import find_person
from handlers.people.importing import import_records
from handlers.service.clock import SystemClock
from handlers.service.config import ServiceConfig, load_service_config
from handlers.service.context import ServiceContext
from scheduler.dispatcher import LEASE, SENDING
from storage.database import Database
from storage.models import (
    AuditEvent,
    OutboxMessage,
    OutboxStatus,
    Priority,
    Severity,
    TelegramLink,
)
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
    async with db.unit_of_work() as uow:
        await import_records(uow, config, now=now, people=PEOPLE + ALERT_STAFF)
        for ref, user_id in USERS.items():
            person = await find_person(uow, ref)
            assert person is not None
            uow.add(
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
                    uow,
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


async def wait_for_pings_recorded(database: Database, count: int) -> None:
    deadline = asyncio.get_running_loop().time() + 20
    while True:
        async with database.unit_of_work() as uow:
            sent = await uow.scalar(
                select(func.count()).where(
                    OutboxMessage.priority == Priority.ALERT.value,
                    OutboxMessage.status == OutboxStatus.SENT.value,
                )
            )
        if (sent or 0) >= count:
            return
        assert asyncio.get_running_loop().time() < deadline, "the pings were never recorded"
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
        async with database.unit_of_work() as uow:
            worker = await find_person(uow, "W1")
            assert worker is not None
            alert, _ = await raise_alert(
                uow, worker, severity=Severity.URGENT, session_id=None, note=None, ctx=ctx
            )
            deadline = alert.due_at
        assert deadline is not None

        def count(chat: int) -> int:
            return len(emulator.messages(chat))

        def starts() -> int:
            return sum(1 for method, _ in emulator.calls if method.lower() == "getme")

        bot = start_bot(database.url, root, config_path, runtime)
        await wait_for(lambda: count(SENIOR) == 1 and count(MANAGER) == 1, "the first pings")
        # Killed once the pings are recorded as sent: this scenario is about the deadline. (A
        # ping killed mid-send is sent again within a lease, counted: the next scenario.)
        await wait_for_pings_recorded(database, 2)
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
        async with database.unit_of_work() as uow:
            passed = list(
                await uow.scalars(
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


async def test_an_alert_ping_on_its_way_when_the_bot_dies_is_sent_within_a_lease(
    database: Database, tmp_path: Path
) -> None:
    config_path = EXAMPLE_CONFIG  # the next level is minutes away: only the first pings
    config = load_service_config(config_path)
    runtime = "ptb" if database.is_postgres else "aiogram"
    emulator = BotApiEmulator(token=TOKEN, bot_username="familytime_kill_bot")
    emulator.state.latency = (0.03, 0.09)  # round trips like real ones
    # The senior's ping gets no answer (and is never delivered): it is on its way at the kill.
    emulator.inject_fault(Fault(502, "Bad Gateway", method="sendMessage", chat_id=SENIOR, delay=60))
    root = await emulator.start(host="127.0.0.1", port=0)
    bot: subprocess.Popen[bytes] | None = None
    try:
        await prepare(database, config, emulator)
        ctx = ServiceContext(config, SystemClock())
        async with database.unit_of_work() as uow:
            worker = await find_person(uow, "W1")
            assert worker is not None
            await raise_alert(
                uow, worker, severity=Severity.URGENT, session_id=None, note=None, ctx=ctx
            )

        def count(chat: int) -> int:
            return len(emulator.messages(chat))

        bot = start_bot(database.url, root, config_path, runtime)
        await wait_for(lambda: count(MANAGER) >= 1 and not emulator.state.faults, "the pings")
        await asyncio.sleep(3)  # long enough for the dead process to have renewed its lease
        bot.send_signal(signal.SIGKILL)
        bot.wait(10)
        killed_at = SystemClock().now()
        manager_before = count(MANAGER)
        async with database.unit_of_work() as uow:
            senior = await find_person(uow, "SN1")
            assert senior is not None
            ping = await uow.scalar(
                select(OutboxMessage).where(
                    OutboxMessage.person_id == senior.id,
                    OutboxMessage.priority == Priority.ALERT.value,
                )
            )
        assert ping is not None and ping.status == OutboxStatus.PENDING.value
        # Its lease was renewed while the sender lived and ends within one lease of its death.
        assert ping.last_error == SENDING
        assert ping.not_before <= killed_at + LEASE

        bot = start_bot(database.url, root, config_path, runtime)
        await wait_for(lambda: count(SENIOR) == 1, "the senior's ping", timeout=40)
        await asyncio.sleep(3 * TICK_SECONDS)  # room for a duplicate to show, if there were one
        assert (count(SENIOR), count(MANAGER)) == (1, manager_before)
        async with database.unit_of_work() as uow:
            counted = await sent_after_a_timeout(uow)
        assert counted == 1  # its second try is counted: Telegram might have had the first
    finally:
        if bot is not None and bot.poll() is None:
            bot.send_signal(signal.SIGKILL)
            bot.wait(10)
        await emulator.stop()
