"""Fresh demo data for the sandbox: a new database, the demo records, linked chats, a rota."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.demo import DEMO_CHILDREN, DEMO_PEOPLE, PERSONAS, demo_rota, demo_sessions
from bot.emulator import BotApiEmulator
from handlers.alerts import add_shift
from handlers.people import create_invite, find_person, import_records, redeem_invite
from handlers.service.config import ServiceConfig
from handlers.service.hashing import hash_token
from storage.database import Database
from storage.migrate import upgrade_database

INVITE_VALID_FOR = timedelta(minutes=5)  # redeemed at once, in the same unit of work


def sqlite_url(database_file: Path) -> str:
    """The async SQLAlchemy URL of the sandbox's SQLite file."""
    return f"sqlite+aiosqlite:///{database_file}"


def remove_database(database_file: Path) -> None:
    """Delete the sandbox's SQLite file and its journals, whatever was done in it."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{database_file}{suffix}").unlink(missing_ok=True)


async def seed_demo(
    db: Database, config: ServiceConfig, emulator: BotApiEmulator, now: datetime
) -> None:
    """Migrate an empty database and fill it with the demo, each persona linked to a chat."""
    await upgrade_database(db)
    zone = ZoneInfo(config.timezone)
    local_now = now.astimezone(zone)
    async with db.unit_of_work() as uow:
        await import_records(
            uow,
            config,
            now=now,
            people=DEMO_PEOPLE,
            children=DEMO_CHILDREN,
            sessions=demo_sessions(local_now),
        )
        for persona in PERSONAS:
            person = await find_person(uow, persona.ref)
            assert person is not None, persona.ref
            token = await create_invite(uow, person, now=now, valid_for=INVITE_VALID_FOR)
            await redeem_invite(
                uow,
                hash_token(token),
                telegram_user_id=persona.user_id,
                chat_id=persona.user_id,
                now=now,
                max_failures_per_hour=config.bad_invite_attempts,
            )
            emulator.add_user(persona.user_id, persona.name, has_started=True)
        for shift in demo_rota(local_now.date()):
            person = await find_person(uow, shift.ref)
            assert person is not None, shift.ref
            await add_shift(
                uow,
                person,
                venue_code=shift.venue_code,
                starts_at=shift.starts.replace(tzinfo=zone),
                ends_at=shift.ends.replace(tzinfo=zone),
                is_on_call=shift.venue_code is None,
                now=now,
            )
