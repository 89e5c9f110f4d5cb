"""Updates per second through the whole bot, beside each framework's bare echo bot.

Run: .venv/bin/python -m bench.throughput [--updates 3000] [--users 100]

For each runtime (python-telegram-bot, aiogram) two bots run in turn, each in its own process
against the local Bot API emulator (in this process, with no flood limits, so Telegram's limits
are not what is measured):
- the baseline: the framework's own bare echo bot (its polling loop, one handler, reply with the
  text), as the framework's examples write it (python-telegram-bot's: its default httpx
  transport, one update at a time);
- the full stack: `FamilyTimeApp` on SQLite, every update committed to the inbox, routed to the
  linked carer's conversation, its reply committed to the outbox, paced (limits set far above
  the load, so the pacing table is still read and written) and sent (python-telegram-bot's
  runtime over aiohttp, and the garbage collector tuned, as in production).
The clock runs from queuing the updates to the last reply reaching the emulator. Peak RSS is the
bot process's own high-water mark (VmHWM), read before it is stopped. Goal: at least 500 updates/s
for the full stack on SQLite; the ratio to the echo bot is printed beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.stats import peak_rss_mb
from bot.emulator import BotApiEmulator

TOKEN = "999999:BENCH-THROUGHPUT"
FIRST_USER = 20_000
WARM_UP = 100


# -- the bots (each in a child process) -------------------------------------------------------


async def run_full_stack(runtime: str, api: str, users: int) -> None:
    """The Family Time bot itself, with `users` linked carers, until stdin closes."""
    from bot.app import FamilyTimeApp
    from bot.process import tune_garbage_collection
    from bot.settings import EXAMPLE_SERVICE_CONFIG
    from bot.wiring import make_gateway
    from handlers.people import find_person, import_records
    from handlers.service.clock import SystemClock
    from handlers.service.config import load_service_config
    from handlers.service.limits import SenderLimit
    from scheduler.pacing import Limit, Limits
    from storage.database import Database
    from storage.migrate import upgrade_database
    from storage.models import TelegramLink

    config = load_service_config(EXAMPLE_SERVICE_CONFIG)
    clock = SystemClock()
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}")
        await upgrade_database(db)
        people = "ref,first_name,last_name,role,venue,phone\n" + "".join(
            f"C{n},Bench{n},Carer,carer,,\n" for n in range(users)
        )
        async with db.unit_of_work() as uow:
            await import_records(uow, config, now=clock.now(), people=people)
        async with db.unit_of_work() as uow:
            for n in range(users):
                person = await find_person(uow, f"C{n}")
                assert person is not None
                uow.add(
                    TelegramLink(
                        person_id=person.id,
                        telegram_user_id=FIRST_USER + n,
                        chat_id=FIRST_USER + n,
                        linked_at=clock.now() - timedelta(days=1),
                        is_reachable=True,
                    )
                )
        roomy = Limits(overall=Limit(100_000, 100_000), per_chat=Limit(10_000, 10_000))
        gateway = make_gateway(runtime, TOKEN, api, poll_timeout=1)
        # Each carer sends far faster than a person can: the inbox's flood limit is lifted too.
        app = FamilyTimeApp(
            db,
            gateway,
            config,
            clock,
            poll_timeout=1,
            limits=roomy,
            sender_limit=SenderLimit(burst=1_000_000),
        )
        tune_garbage_collection()  # as `familytime run` does
        stop = asyncio.Event()
        task = asyncio.create_task(app.run(stop))
        await app.ready.wait()
        await _serve_until_stdin_closes()
        stop.set()
        await task
        await db.dispose()


async def run_ptb_echo(api: str) -> None:
    """python-telegram-bot's echo bot (examples/echobot.py), polling the emulator."""
    from telegram import Update
    from telegram.ext import Application, ContextTypes, MessageHandler, filters

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text(update.message.text or "")

    app = Application.builder().token(TOKEN).base_url(f"{api}/bot").build()
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        await _serve_until_stdin_closes()
        await app.updater.stop()
        await app.stop()


async def run_aiogram_echo(api: str) -> None:
    """aiogram's echo bot (examples/echo_bot.py), polling the emulator."""
    from aiogram import Bot, Dispatcher
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import Message

    dispatcher = Dispatcher()

    @dispatcher.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "")

    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(api)))
    polling = asyncio.create_task(
        dispatcher.start_polling(bot, polling_timeout=1, handle_signals=False)
    )
    await _serve_until_stdin_closes()
    await dispatcher.stop_polling()
    with contextlib.suppress(asyncio.CancelledError):
        await polling
    await bot.session.close()


async def _serve_until_stdin_closes() -> None:
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


# -- the driver (this process) ----------------------------------------------------------------


async def measure(runtime: str, variant: str, updates: int, users: int) -> dict[str, Any]:
    """Start one bot, feed it a warm-up and then `updates` messages, and time the replies."""
    emulator = BotApiEmulator(token=TOKEN, bot_username="familytime_bench_bot")
    api = await emulator.start(host="127.0.0.1", port=0)
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.throughput",
        "--child",
        variant,
        "--runtime",
        runtime,
        "--api",
        api,
        "--users",
        str(users),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert child.stdin is not None and child.stdout is not None
    line = await asyncio.wait_for(child.stdout.readline(), 120)
    if line.strip() != b"ready":
        raise RuntimeError(f"{runtime} {variant} bot did not start: {line!r}")
    sent = await _feed(emulator, WARM_UP, users, 0)
    started = time.perf_counter()
    sent = await _feed(emulator, updates, users, sent)
    elapsed = time.perf_counter() - started
    peak = _peak_rss_mb(child.pid)
    child.stdin.close()
    try:
        await asyncio.wait_for(child.wait(), 30)
    except TimeoutError:
        child.kill()
        await child.wait()
    await emulator.stop()
    return {"runtime": runtime, "variant": variant, "rate": updates / elapsed, "rss_mb": peak}


async def _feed(emulator: BotApiEmulator, count: int, users: int, already: int) -> int:
    """Queue `count` messages round-robin from `users` people; wait for as many replies."""
    for n in range(count):
        emulator.user_sends_text(FIRST_USER + n % users, f"hello {already + n}")
    target = already + count
    deadline = time.perf_counter() + 300
    while len(emulator.all_bot_messages()) < target:
        if time.perf_counter() > deadline:
            raise TimeoutError(f"only {len(emulator.all_bot_messages())} of {target} replies")
        await asyncio.sleep(0.005)
    return target


def _peak_rss_mb(pid: int) -> float:
    """A process's peak resident memory (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def drive(updates: int, users: int) -> None:
    results = []
    for runtime in ("ptb", "aiogram"):
        for variant in ("echo", "full"):
            result = await measure(runtime, variant, updates, users)
            results.append(result)
            print(json.dumps(result), file=sys.stderr, flush=True)
    print(f"{updates} updates from {users} people, after a warm-up of {WARM_UP}; SQLite")
    print(f"{'runtime':<9}{'bot':<12}{'updates/s':>10}{'ratio':>8}{'peak RSS MB':>13}")
    for runtime in ("ptb", "aiogram"):
        echo, full = (r for r in results if r["runtime"] == runtime)
        for r in (echo, full):
            name = "bare echo" if r["variant"] == "echo" else "full stack"
            print(
                f"{runtime:<9}{name:<12}{r['rate']:>10.0f}{r['rate'] / echo['rate']:>8.2f}"
                f"{r['rss_mb']:>13.0f}"
            )
    slowest = min(r["rate"] for r in results if r["variant"] == "full")
    print(f"goal: full stack ≥ 500 updates/s on SQLite: {'met' if slowest >= 500 else 'NOT met'}")
    print(f"(peak RSS of this driver, which runs the emulator: {peak_rss_mb():.0f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--updates", type=int, default=3000)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--child", choices=("echo", "full"), help=argparse.SUPPRESS)
    parser.add_argument("--runtime", choices=("ptb", "aiogram"), help=argparse.SUPPRESS)
    parser.add_argument("--api", help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.child is None:
        asyncio.run(drive(args.updates, args.users))
    elif args.child == "full":
        asyncio.run(run_full_stack(args.runtime, args.api, args.users))
    elif args.runtime == "ptb":
        asyncio.run(run_ptb_echo(args.api))
    else:
        asyncio.run(run_aiogram_echo(args.api))


if __name__ == "__main__":
    main()
