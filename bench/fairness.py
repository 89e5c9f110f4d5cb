"""A worker's alert questions with and without a flood: no chat can hold up another.

Run: .venv/bin/python -m bench.fairness [--backlog 1000] [--strangers 400] [--workers 8]

The whole bot (python-telegram-bot runtime, SQLite, Telegram's limits, the inbox's own limit)
runs in this process against the local Bot API emulator, with round trips of 30–90 ms. Each of
`--workers` workers raises an alert through the chat (/alert, a severity, Send now), and every
step is timed from the worker's update to the bot's answer arriving. First with an empty queue
(the baseline), then again while 1,000 messages wait for one chat (going out at Telegram's
one a second) and a stranger sends 400 messages. Printed: each phase's median and worst step,
and the ratio flood / baseline (goal: median ≤ 1.5), the replies the stranger got, and peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.stats import peak_rss_mb, percentile
from bot.app import FamilyTimeApp
from bot.emulator import BotApiEmulator
from bot.settings import EXAMPLE_SERVICE_CONFIG
from bot.wiring import make_gateway
from handlers.alerts import add_shift
from handlers.delivery.chat import SendMessage
from handlers.delivery.outbox import queue_delivery
from handlers.people import find_person, import_records
from handlers.service.clock import SystemClock
from handlers.service.config import load_service_config
from storage.database import Database
from storage.migrate import upgrade_database
from storage.models import TelegramLink

TOKEN = "999999:BENCH-FAIRNESS"
FIRST_WORKER, SENIOR, BUSY_CHAT, STRANGER = 30_000, 31_000, 32_000, 33_000


async def prepare(db: Database, workers: int) -> None:
    """Workers, each in a session now, and a senior on site, all linked."""
    config = load_service_config(EXAMPLE_SERVICE_CONFIG)
    now = SystemClock().now()
    local = now.astimezone(ZoneInfo(config.timezone))
    start = (local - timedelta(minutes=30)).strftime("%H:%M")
    end = (local + timedelta(minutes=90)).strftime("%H:%M")
    if end < start:  # near midnight: keep the sessions inside the day
        start, end = "00:00", "23:59"
    day = local.date().isoformat()
    people = "ref,first_name,last_name,role,venue,phone\nSN1,Sid,Benchsenior,senior,coffee-hall,\n"
    people += "".join(f"W{n},Wren{n},Benchworker,worker,coffee-hall,\n" for n in range(workers))
    people += "C1,Casey,Benchcarer,carer,,\n"
    children = "ref,initials,social_worker_ref,carer_refs\nCH1,A.B.,,C1\n"
    sessions = "ref,venue,room,date,start,end,worker_ref,child_refs,supervision\n" + "".join(
        f"S{n},coffee-hall,Room {n},{day},{start},{end},W{n},CH1,full\n" for n in range(workers)
    )
    async with db.unit_of_work() as uow:
        await import_records(
            uow, config, now=now, people=people, children=children, sessions=sessions
        )
        users = {f"W{n}": FIRST_WORKER + n for n in range(workers)} | {"SN1": SENIOR}
        for ref, user_id in users.items():
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
            if ref == "SN1":
                await add_shift(
                    uow,
                    person,
                    venue_code="coffee-hall",
                    starts_at=now - timedelta(hours=1),
                    ends_at=now + timedelta(hours=4),
                    is_on_call=False,
                    now=now,
                )


async def step(emulator: BotApiEmulator, chat: int, act: object, label: str) -> float:
    """Do one thing as the worker and wait for the button `label` (or any answer) to show."""
    seen = len(emulator.messages(chat))
    started = time.perf_counter()
    assert callable(act)
    act()
    while True:
        current = emulator.current_messages(chat)
        if label and any(label in text for m in current for text, _ in m.buttons):
            return time.perf_counter() - started
        if not label and len(emulator.messages(chat)) > seen:
            return time.perf_counter() - started
        await asyncio.sleep(0.001)


def press(emulator: BotApiEmulator, chat: int, label: str) -> object:
    def act() -> None:
        for message in reversed(emulator.current_messages(chat)):
            for text, data in message.buttons:
                if label in text:
                    emulator.user_presses(chat, message.message_id, data)
                    return
        raise AssertionError(f"no {label!r} button")

    return act


async def raise_alerts(emulator: BotApiEmulator, chats: list[int]) -> list[float]:
    """Every worker raises an alert in turn; each step's answer time."""
    times: list[float] = []
    for chat in chats:
        times.append(
            await step(
                emulator, chat, lambda c=chat: emulator.user_sends_text(c, "/alert"), "Urgent"
            )
        )
        times.append(await step(emulator, chat, press(emulator, chat, "Urgent"), "Send now"))
        times.append(await step(emulator, chat, press(emulator, chat, "Send now"), ""))
        await asyncio.sleep(0.3)  # the pings go out before the next worker starts
    return times


async def main(backlog: int, strangers: int, workers: int) -> None:
    clock = SystemClock()
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}")
        await upgrade_database(db)
        await prepare(db, workers)
        emulator = BotApiEmulator(token=TOKEN, bot_username="familytime_bench_bot")
        emulator.state.latency = (0.03, 0.09)
        root = await emulator.start(host="127.0.0.1", port=0)
        for chat in (*range(FIRST_WORKER, FIRST_WORKER + 2 * workers), SENIOR, BUSY_CHAT):
            emulator.state.user(chat).has_started = True
        config = load_service_config(EXAMPLE_SERVICE_CONFIG)
        app = FamilyTimeApp(db, make_gateway("ptb", TOKEN, root, poll_timeout=1), config, clock)
        stop = asyncio.Event()
        task = asyncio.create_task(app.run(stop))
        await app.ready.wait()
        half = [FIRST_WORKER + n for n in range(workers)]
        baseline = await raise_alerts(emulator, half[: workers // 2])

        async with db.unit_of_work() as uow:
            for n in range(backlog):
                await queue_delivery(
                    uow, SendMessage(f"backlog {n}"), now=clock.now(), chat_id=BUSY_CHAT
                )
        app.dispatcher.wake()
        for n in range(strangers):
            emulator.user_sends_text(STRANGER, f"hello {n}")
        await asyncio.sleep(0.5)
        flooded = await raise_alerts(emulator, half[workers // 2 :])
        backlog_sent = len(emulator.messages(BUSY_CHAT))
        stranger_replies = len(emulator.messages(STRANGER))
        stop.set()
        await task
        await emulator.stop()
        await db.dispose()

    def ms(values: list[float], share: float) -> float:
        return percentile(values, share) * 1000

    print(
        f"{workers // 2} alerts (3 steps each) per phase; python-telegram-bot, SQLite, 30–90 ms RTT"
    )
    print(
        f"baseline, empty queue: median {ms(baseline, 0.5):.0f} ms, worst {ms(baseline, 1):.0f} ms"
    )
    print(
        f"flood ({backlog} waiting for one chat, {strangers} from a stranger): "
        f"median {ms(flooded, 0.5):6.0f} ms, worst {ms(flooded, 1):6.0f} ms"
    )
    ratio = percentile(flooded, 0.5) / percentile(baseline, 0.5)
    print(
        f"ratio flood / baseline (median): {ratio:.2f} (goal ≤ 1.5); "
        f"worst: {percentile(flooded, 1) / percentile(baseline, 1):.2f}"
    )
    print(
        f"backlog messages sent meanwhile: {backlog_sent}; replies to the stranger: "
        f"{stranger_replies}"
    )
    print("each step, ms:", [round(t * 1000) for t in baseline], [round(t * 1000) for t in flooded])
    print(f"peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backlog", type=int, default=1000)
    parser.add_argument("--strangers", type=int, default=400)
    parser.add_argument("--workers", type=int, default=12)
    args = parser.parse_args()
    asyncio.run(main(args.backlog, args.strangers, args.workers))
