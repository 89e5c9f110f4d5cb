"""Delivery under Telegram's limits: 1,000 reminders to 1,000 chats, alert pings in the middle.

Run: .venv/bin/python -m bench.delivery [--messages 1000] [--pings 10]

The emulator enforces Telegram's limits (30 messages a second overall, 1 a second per chat with
short bursts) and answers 429 above them. The baseline is the configured overall limit: the
achieved rate is printed as a ratio of it (goal ≥ 0.9, with zero 429s). Alert pings queued during
the drain must reach their chat within 1 s (p99).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from bench.stats import peak_rss_mb, percentile
from bot.delivery_follow_ups import ServiceFollowUps
from bot.emulator import BotApiEmulator, RateLimits
from bot.wiring import make_gateway
from handlers.delivery.chat import SendMessage
from handlers.delivery.outbox import queue_delivery
from handlers.service.clock import SystemClock
from scheduler.dispatcher import DEFAULT_LIMITS, Dispatcher
from storage.database import Database
from storage.migrate import upgrade_database
from storage.models import Priority

TOKEN = "999999:BENCH-DELIVERY"
FIRST_CHAT, ALERT_CHAT = 100_000, 99_999


async def main(messages: int, pings: int) -> None:
    clock = SystemClock()
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}")
        await upgrade_database(db)
        emulator = BotApiEmulator(token=TOKEN, limits=RateLimits())
        root = await emulator.start(host="127.0.0.1", port=0)
        for chat in (*range(FIRST_CHAT, FIRST_CHAT + messages), ALERT_CHAT):
            emulator.state.user(chat).has_started = True
        gateway = make_gateway("ptb", TOKEN, root)
        await gateway.start()
        dispatcher = Dispatcher(db, gateway, clock, follow_ups=ServiceFollowUps())
        async with db.unit_of_work() as uow:
            for n in range(messages):
                await queue_delivery(
                    uow,
                    SendMessage(f"Reminder {n}: family time tomorrow at 10:00"),
                    now=clock.now(),
                    chat_id=FIRST_CHAT + n,
                    priority=Priority.REMINDER,
                )
        stop = asyncio.Event()
        started = time.perf_counter()
        runner = asyncio.create_task(dispatcher.run(stop))
        latencies: list[float] = []
        for n in range(pings):
            await asyncio.sleep(messages / DEFAULT_LIMITS.overall.per_second / (pings + 1))
            async with db.unit_of_work() as uow:
                await queue_delivery(
                    uow,
                    SendMessage(f"🚨 ping {n}"),
                    now=clock.now(),
                    chat_id=ALERT_CHAT,
                    priority=Priority.ALERT,
                )
            queued = time.perf_counter()
            dispatcher.wake()
            while len(emulator.messages(ALERT_CHAT)) <= n:
                await asyncio.sleep(0.002)
            latencies.append(time.perf_counter() - queued)
        while len(emulator.all_bot_messages()) < messages + pings:
            await asyncio.sleep(0.01)
        elapsed = time.perf_counter() - started
        stop.set()
        await runner
        await gateway.close()
        await emulator.stop()
        await db.dispose()
    limit = DEFAULT_LIMITS.overall.per_second
    rate = (messages + pings) / elapsed
    ping_ms = [v * 1000 for v in latencies]
    print(f"configured overall limit (baseline): {limit:.0f} messages/s")
    print(
        f"delivered {messages + pings} messages to {messages + 1} chats in {elapsed:.1f} s: "
        f"{rate:.1f}/s; rate / limit = {rate / limit:.3f} (goal ≥ 0.9); "
        f"429s answered by the emulator: {emulator.state.throttled}"
    )
    print(
        f"alert pings during the drain ({len(ping_ms)}): p50 {percentile(ping_ms, 0.5):.0f} ms, "
        f"p99 {percentile(ping_ms, 0.99):.0f} ms (goal: p99 under 1000 ms)"
    )
    print(f"peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--pings", type=int, default=10)
    args = parser.parse_args()
    asyncio.run(main(args.messages, args.pings))
