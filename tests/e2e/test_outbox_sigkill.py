"""The bot is killed (SIGKILL) with 500 messages in the outbox and started again."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from bot.emulator import BotApiEmulator
from handlers.delivery.chat import SendMessage
from handlers.delivery.outbox import queue_delivery
from handlers.delivery.outbox_status import sent_after_a_timeout
from handlers.service.clock import SystemClock
from scheduler.dispatcher import LEASE, SENDING
from storage.database import Database
from storage.models import OutboxMessage, OutboxStatus, Priority
from tests.conftest import EXAMPLE_CONFIG
from tests.e2e.test_alert_sigkill import TOKEN, start_bot, wait_for

MESSAGES = 500
FIRST_CHAT = 60_000
KILL_AFTER = 120  # delivered before the kill: the rest wait in the outbox, some mid-send
ROUND_TRIP = (0.03, 0.09)  # seconds, as a real Bot API call takes


async def test_a_killed_bot_delivers_all_500_queued_messages_after_restart(
    database: Database, tmp_path: Path
) -> None:
    runtime = "ptb" if database.is_postgres else "aiogram"  # each runtime once, to keep it quick
    emulator = BotApiEmulator(token=TOKEN, bot_username="familytime_kill_bot")
    # Round trips like real ones, so sends are truly on their way when the bot dies.
    emulator.state.latency = ROUND_TRIP
    root = await emulator.start(host="127.0.0.1", port=0)
    for chat in range(FIRST_CHAT, FIRST_CHAT + MESSAGES):
        emulator.state.user(chat).has_started = True
    async with database.unit_of_work() as uow:
        for n in range(MESSAGES):
            await queue_delivery(
                uow,
                SendMessage(f"Reminder {n}"),
                now=SystemClock().now(),
                chat_id=FIRST_CHAT + n,
                priority=Priority.REMINDER,
                dedupe_key=f"kill-test:{n}",
            )
    bot: subprocess.Popen[bytes] | None = None
    try:
        bot = start_bot(database.url, root, EXAMPLE_CONFIG, runtime)
        await wait_for(lambda: len(emulator.all_bot_messages()) >= KILL_AFTER, "a first share")
        bot.send_signal(signal.SIGKILL)
        bot.wait(10)
        await asyncio.sleep(0.5)  # requests the bot had written before it died are answered
        delivered_before = {m.text for m in emulator.all_bot_messages()}  # reminders only
        async with database.unit_of_work() as uow:
            # Marked as on their way and not yet recorded: these may have been in flight when
            # the bot died. Telegram may or may not have taken each; they are sent again once
            # their lease runs out, and each such try is counted.
            in_flight = await uow.scalar(
                select(func.count()).where(
                    OutboxMessage.status == OutboxStatus.PENDING.value,
                    OutboxMessage.last_error == SENDING,
                )
            )
            recorded = await uow.scalar(
                select(func.count()).where(OutboxMessage.status == OutboxStatus.SENT.value)
            )
        assert len(delivered_before) < MESSAGES, "the kill came too late to test anything"
        # Telegram took these, but the bot died before it heard so: the only possible repeats.
        taken_unheard = len(delivered_before) - (recorded or 0)
        assert 0 <= taken_unheard <= (in_flight or 0)

        bot = start_bot(database.url, root, EXAMPLE_CONFIG, runtime)
        await wait_for(
            lambda: len({m.text for m in emulator.all_bot_messages()}) == MESSAGES,
            "all 500 messages",
            timeout=120,
        )
        await wait_for_outbox_empty(database)  # the in-flight ones, once their lease is over
        texts = Counter(m.text for m in emulator.all_bot_messages())
        assert set(texts) == {f"Reminder {n}" for n in range(MESSAGES)}
        twice = [text for text, count in texts.items() if count > 1]
        # None twice, bar the sends Telegram had taken when the bot died (at most one batch);
        # each of those is counted where `familytime outbox status` reports possible duplicates.
        assert len(twice) <= taken_unheard <= (in_flight or 0) <= 20, (twice, in_flight)
        assert max(texts.values()) <= 2
        async with database.unit_of_work() as uow:
            rows = await uow.execute(
                select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
            )
            statuses = {status: count for status, count in rows}
            counted = await sent_after_a_timeout(uow)
        assert statuses == {OutboxStatus.SENT.value: MESSAGES}
        assert counted == in_flight, (counted, in_flight)
    finally:
        if bot is not None and bot.poll() is None:
            bot.send_signal(signal.SIGKILL)
            bot.wait(10)
        await emulator.stop()


async def wait_for_outbox_empty(database: Database) -> None:
    pending = -1

    async def count() -> int:
        async with database.unit_of_work() as uow:
            return int(
                await uow.scalar(
                    select(func.count()).where(OutboxMessage.status == OutboxStatus.PENDING.value)
                )
                or 0
            )

    for _ in range(int(LEASE.total_seconds() * 30)):
        pending = await count()
        if pending == 0:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{pending} message(s) still pending")
