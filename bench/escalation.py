"""Escalation lateness with 10,000 open alerts, and raise-to-first-ping latency, on SQLite.

Run: .venv/bin/python -m bench.escalation [--alerts 10000] [--due 60] [--raises 30]

Everything runs for real: the bot (python-telegram-bot runtime) against the local Bot API
emulator, the real clock, APScheduler's tick and exact wake-ups. Each figure is printed beside
the scheduler tick, the baseline measured in the same run's configuration.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

from bench.stats import peak_rss_mb, percentile
from bot.app import FamilyTimeApp
from bot.emulator import BotApiEmulator
from bot.settings import EXAMPLE_SERVICE_CONFIG
from bot.wiring import make_gateway
from handlers.alerts import add_shift
from handlers.people import find_person, import_records
from handlers.service.clock import SystemClock
from handlers.service.config import load_service_config
from scheduler.pacing import Limit, Limits
from storage.database import Database
from storage.migrate import upgrade_database
from storage.models import Alert, AuditEvent, TelegramLink

TOKEN = "999999:BENCH"
TICK_SECONDS = 5.0
PEOPLE = """ref,first_name,last_name,role,venue,phone
W1,Wren,Benchworker,worker,coffee-hall,
SN1,Sid,Benchsenior,senior,coffee-hall,
M1,Mia,Benchmanager,manager,coffee-hall,
K1,Cora,Benchcoordinator,coordinator,,
"""
USERS = {"W1": 8001, "SN1": 8002, "M1": 8003, "K1": 8004}


async def prepare(db: Database, emulator: BotApiEmulator, background: int) -> int:
    config = load_service_config(EXAMPLE_SERVICE_CONFIG)
    now = SystemClock().now()
    async with db.unit_of_work() as uow:
        await import_records(uow, config, now=now, people=PEOPLE)
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
            emulator.user_sends_text(user_id, "hello")
            if ref in ("SN1", "M1"):
                await add_shift(
                    uow,
                    person,
                    venue_code="coffee-hall",
                    starts_at=now - timedelta(hours=1),
                    ends_at=now + timedelta(hours=2),
                    is_on_call=False,
                    now=now,
                )
        worker = await find_person(uow, "W1")
        assert worker is not None
        worker_id = worker.id
        rows = [
            {
                "severity": "worry",
                "status": "open",
                "raised_by_id": worker_id,
                "venue_code": "coffee-hall",
                "raised_at": now,
                "is_out_of_hours": False,
                "step": 0,
                "due_at": now + timedelta(days=1, seconds=i),  # open, not yet due
                "is_resolve_reminded": False,
            }
            for i in range(background)
        ]
        for start in range(0, len(rows), 1000):
            await uow.execute(insert(Alert), rows[start : start + 1000])
    emulator.state.pending.clear()
    return worker_id


async def measure_lateness(db: Database, worker_id: int, due: int, spread: float) -> list[float]:
    """Make `due` alerts fall due over `spread` seconds and read how late each escalation was."""
    now = SystemClock().now()
    async with db.unit_of_work() as uow:
        await uow.execute(
            insert(Alert),
            [
                {
                    "severity": "urgent",
                    "status": "open",
                    "raised_by_id": worker_id,
                    "venue_code": "coffee-hall",
                    "raised_at": now,
                    "is_out_of_hours": False,
                    "step": 0,
                    # Due after the next tick has seen them, as with timeouts of minutes.
                    "due_at": now + timedelta(seconds=2 * TICK_SECONDS + spread * i / due),
                    "is_resolve_reminded": False,
                }
                for i in range(due)
            ],
        )
    deadline = time.monotonic() + 2 * TICK_SECONDS + spread + 60
    while time.monotonic() < deadline:
        async with db.unit_of_work() as uow:
            done = await uow.scalar(
                select(func.count()).where(AuditEvent.action == "alert.deadline_passed")
            )
        if done >= due:
            break
        await asyncio.sleep(0.2)
    async with db.unit_of_work() as uow:
        events = await uow.scalars(
            select(AuditEvent).where(AuditEvent.action == "alert.deadline_passed")
        )
        return [float(e.details["lateness_seconds"]) for e in events]


async def press(emulator: BotApiEmulator, user_id: int, label: str) -> None:
    for message in reversed(emulator.current_messages(user_id)):
        for text, data in message.buttons:
            if label in text:
                emulator.user_presses(user_id, message.message_id, data)
                return
    raise RuntimeError(f"no button {label!r}")


async def wait_for_count(emulator: BotApiEmulator, chat: int, count: int) -> None:
    while len(emulator.messages(chat)) < count:
        await asyncio.sleep(0.002)


async def measure_raise_to_ping(emulator: BotApiEmulator, raises: int) -> list[float]:
    worker, senior = USERS["W1"], USERS["SN1"]
    latencies = []
    for _ in range(raises):
        seen = len(emulator.messages(worker))
        emulator.user_sends_text(worker, "/alert")
        await wait_for_count(emulator, worker, seen + 1)
        await press(emulator, worker, "Urgent concern")
        await wait_for_count(emulator, worker, seen + 3)  # the edit and the note question
        pings = len(emulator.messages(senior))
        started = time.perf_counter()
        await press(emulator, worker, "Send now")
        await wait_for_count(emulator, senior, pings + 1)
        latencies.append(time.perf_counter() - started)
        await wait_for_count(emulator, worker, seen + 5)  # "sent to …" arrives too
    return latencies


async def main(background: int, due: int, raises: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}")
        await upgrade_database(db)
        emulator = BotApiEmulator(token=TOKEN, bot_username="familytime_bench_bot")
        root = await emulator.start(host="127.0.0.1", port=0)
        worker_id = await prepare(db, emulator, background)
        config = load_service_config(EXAMPLE_SERVICE_CONFIG)
        app = FamilyTimeApp(
            db,
            make_gateway("ptb", TOKEN, root, poll_timeout=10),
            config,
            SystemClock(),
            poll_timeout=10,
            tick_seconds=TICK_SECONDS,
            # Back-to-back raises would hit the one-a-second-per-chat pacing, which is measured
            # by bench/delivery.py; here the limits are opened up to time the stack itself.
            limits=Limits(overall=Limit(1000, 1000), per_chat=Limit(1000, 1000)),
        )
        stop = asyncio.Event()
        task = asyncio.create_task(app.run(stop))
        await app.ready.wait()
        try:
            pings = await measure_raise_to_ping(emulator, raises)
            lateness = await measure_lateness(db, worker_id, due, spread=10.0)
        finally:
            stop.set()
            await task
            await emulator.stop()
            await db.dispose()
    tick_ms = TICK_SECONDS * 1000
    late_ms = [v * 1000 for v in lateness]
    ping_ms = [v * 1000 for v in pings]
    total = background + due + raises
    print(f"open alerts in the database: {total}; scheduler tick (baseline) {tick_ms:.0f} ms")
    print(
        f"escalation lateness ({len(late_ms)} deadlines): p50 {percentile(late_ms, 0.5):.1f} ms, "
        f"p99 {percentile(late_ms, 0.99):.1f} ms, max {max(late_ms):.1f} ms; "
        f"p99 / tick = {percentile(late_ms, 0.99) / tick_ms:.3f} (goal: p99 within 1000 ms)"
    )
    print(
        f"raise-to-first-ping ({len(ping_ms)} alerts): p50 {percentile(ping_ms, 0.5):.1f} ms, "
        f"p99 {percentile(ping_ms, 0.99):.1f} ms, mean {statistics.mean(ping_ms):.1f} ms; "
        f"p99 / tick = {percentile(ping_ms, 0.99) / tick_ms:.3f} (goal: p99 under 250 ms)"
    )
    print(f"peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=10_000, help="open alerts not yet due")
    parser.add_argument("--due", type=int, default=60, help="alerts falling due during the run")
    parser.add_argument("--raises", type=int, default=30, help="alerts raised through the chat")
    args = parser.parse_args()
    asyncio.run(main(args.alerts, args.due, args.raises))
