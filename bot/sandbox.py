"""The offline sandbox: the local Bot API emulator, demo data and the bot, in one process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from sqlalchemy import func, select

from bot.app import FamilyTimeApp
from bot.demo import DEMO_ACCOUNTS, DEMO_CHILDREN, DEMO_ON_SITE, DEMO_PEOPLE, demo_sessions
from bot.emulator import BotApiEmulator
from bot.wiring import make_gateway
from handlers.alerts import add_shift
from handlers.people import create_invite, find_person, import_records
from handlers.service.clock import SystemClock
from handlers.service.config import ServiceConfig
from storage.database import Database
from storage.migrate import upgrade_database
from storage.models import InboxUpdate, TelegramLink

log = logging.getLogger(__name__)

SANDBOX_TOKEN = "123456:SANDBOX-NOT-A-REAL-TOKEN"


async def run_sandbox(
    stop: asyncio.Event, config: ServiceConfig, runtime: str, port: int, database_url: str
) -> None:
    """Start the emulator and the bot, link the demo people, and print how to chat."""
    clock = SystemClock()
    emulator = BotApiEmulator(token=SANDBOX_TOKEN)
    root = await emulator.start(host="127.0.0.1", port=port)
    db = Database(database_url)
    await upgrade_database(db)
    tokens: dict[str, str] = {}
    async with db.unit_of_work() as uow:
        last_update = await uow.scalar(select(func.max(InboxUpdate.update_id)))
        emulator.state.continue_update_ids_after(int(last_update or 0))
        await import_records(
            uow,
            config,
            now=clock.now(),
            people=DEMO_PEOPLE,
            children=DEMO_CHILDREN,
            sessions=demo_sessions(clock.now().date()),
        )
        for ref in DEMO_ACCOUNTS:
            person = await find_person(uow, ref)
            if person is not None and await uow.get(TelegramLink, person.id) is None:
                tokens[ref] = await create_invite(
                    uow, person, now=clock.now(), valid_for=timedelta(hours=1)
                )
            if person is not None and ref in DEMO_ON_SITE:
                await add_shift(
                    uow,
                    person,
                    venue_code="coffee-hall",
                    starts_at=clock.now(),
                    ends_at=clock.now() + timedelta(hours=12),
                    is_on_call=False,
                    now=clock.now(),
                )
    app = FamilyTimeApp(
        db, make_gateway(runtime, SANDBOX_TOKEN, root, poll_timeout=10), config, clock
    )
    task = asyncio.create_task(app.run(stop))
    await app.ready.wait()
    for ref, token in tokens.items():
        emulator.user_sends_text(DEMO_ACCOUNTS[ref], f"/start {token}", first_name=ref.title())
    _explain(port)
    try:
        await task
    finally:
        with contextlib.suppress(Exception):
            await emulator.stop()
        await db.dispose()


def _explain(port: int) -> None:
    base = f"http://127.0.0.1:{port}/_emulator"
    log.info(
        "Sandbox ready. Chat as the demo carer (Telegram user 5001):\n"
        "  curl -s -X POST %s/users/5001/messages -H 'Content-Type: application/json' "
        '-d \'{"text": "/illness"}\'\n'
        "  curl -s %s/chats/5001/messages\n"
        "  curl -s -X POST %s/users/5001/press -H 'Content-Type: application/json' "
        '-d \'{"message_id": N, "callback_data": "..."}\'\n'
        "The worker is user 5002 (send /alert), the coordinator 5003, the senior 5004 and the "
        "manager 5005 (on site at Coffee Hall). Stop with Ctrl+C.",
        base,
        base,
        base,
    )
