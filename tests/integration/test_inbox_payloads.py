"""An invite token never reaches the inbox in clear; every way of settling an update drops its
content (handled, answered with an apology, or given up on)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from conversations import processing
from handlers.delivery.chat import ChatEvent
from handlers.delivery.inbox import record_updates
from handlers.people.identity import create_invite, find_person
from handlers.people.importing import import_records
from handlers.service.clock import FakeClock
from handlers.service.config import ServiceConfig
from handlers.service.context import ServiceContext
from storage.database import Database
from storage.models import InboxUpdate
from tests.database_text import database_text
from tests.e2e.fixtures import CARER, MONDAY_MORNING, PEOPLE

NOW = MONDAY_MORNING
SECRET_TEXT = "Fictional worry about a purple giraffe"


def _text(update_id: int, user: int, text: str) -> tuple[int, ChatEvent]:
    return update_id, ChatEvent(update_id=update_id, telegram_user_id=user, chat_id=user, text=text)


async def _inbox(db: Database) -> list[tuple[int, str | None, dict[str, Any]]]:
    async with db.unit_of_work() as uow:
        rows = await uow.scalars(select(InboxUpdate).order_by(InboxUpdate.update_id))
        return [(row.update_id, row.outcome, row.event) for row in rows]


async def test_an_invite_token_is_stored_hashed_before_it_is_processed(
    database: Database, service_config: ServiceConfig
) -> None:
    async with database.unit_of_work() as uow:
        await import_records(uow, service_config, now=NOW, people=PEOPLE)
        carer = await find_person(uow, "C1")
        assert carer is not None
        token = await create_invite(uow, carer, now=NOW, valid_for=timedelta(days=1))
    async with database.unit_of_work() as uow:
        await record_updates(
            uow, [_text(1, CARER, f"/start {token}"), _text(2, CARER, SECRET_TEXT)], now=NOW
        )
    assert token not in await database_text(database)  # committed, not yet handled

    ctx = ServiceContext(service_config, FakeClock(NOW))
    assert await processing.process_pending_updates(database, ctx) == 2

    assert await _inbox(database) == [(1, "linked", {}), (2, "unrecognised", {})]
    text = await database_text(database)
    assert token not in text and SECRET_TEXT not in text


async def test_an_update_answered_with_an_apology_keeps_no_content(
    database: Database, service_config: ServiceConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    route_event = processing.route_event

    async def buggy(uow: AsyncSession, event: ChatEvent, ctx: ServiceContext) -> Any:
        if event.update_id == 12:
            raise RuntimeError("a bug")
        if event.update_id == 13:  # fails every time like a conflict: given up on
            raise OperationalError("SELECT nonsense", {}, Exception("a bug"))
        return await route_event(uow, event, ctx)

    monkeypatch.setattr(processing, "route_event", buggy)
    async with database.unit_of_work() as uow:
        await record_updates(
            uow,
            [_text(11 + n, 8300 + n, f"{SECRET_TEXT} {n}") for n in range(4)],
            now=NOW,
        )
    ctx = ServiceContext(service_config, FakeClock(NOW))

    assert await processing.process_pending_updates(database, ctx) == 4

    assert await _inbox(database) == [
        (11, "stranger", {}),
        (12, "error", {}),
        (13, "error", {}),
        (14, "stranger", {}),
    ]
    assert SECRET_TEXT not in await database_text(database)
