"""The inbox handles updates a batch per transaction; each update still sees the ones before it,
and a bug in one update costs only that update."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from conversations import processing
from conversations.replies import Reply
from handlers.delivery.chat import ChatEvent
from handlers.delivery.inbox import record_updates
from handlers.people.identity import create_invite, find_person
from handlers.people.importing import import_records
from handlers.service.clock import FakeClock
from handlers.service.config import ServiceConfig
from handlers.service.context import ServiceContext
from storage.database import Database
from storage.models import ConversationState, InboxUpdate, OutboxMessage
from tests.e2e.fixtures import MONDAY_MORNING, PEOPLE, WORKER

NOW = MONDAY_MORNING


def _text(update_id: int, user: int, text: str) -> tuple[int, ChatEvent]:
    return update_id, ChatEvent(update_id=update_id, telegram_user_id=user, chat_id=user, text=text)


async def _replies(db: Database, chat_id: int) -> list[str]:
    async with db.unit_of_work() as uow:
        rows = await uow.scalars(
            select(OutboxMessage).where(OutboxMessage.chat_id == chat_id).order_by(OutboxMessage.id)
        )
        return [row.payload["text"] for row in rows if row.payload.get("kind") == "send"]


async def test_each_update_in_a_batch_sees_the_ones_before_it(
    database: Database, service_config: ServiceConfig
) -> None:
    """Linking, starting a form and cancelling it arrive together and land in one batch."""
    async with database.unit_of_work() as uow:
        await import_records(uow, service_config, now=NOW, people=PEOPLE)
        worker = await find_person(uow, "W1")
        assert worker is not None
        token = await create_invite(uow, worker, now=NOW, valid_for=timedelta(days=1))
    async with database.unit_of_work() as uow:
        await record_updates(
            uow,
            [
                _text(1, WORKER, f"/start {token}"),
                _text(2, WORKER, "/alert"),
                _text(3, WORKER, "/cancel"),
            ],
            now=NOW,
        )
    ctx = ServiceContext(service_config, FakeClock(NOW))

    assert await processing.process_pending_updates(database, ctx) == 3

    replies = await _replies(database, WORKER)
    assert "Wren" in replies[0]  # linked: greeted by name, not refused as a stranger
    # the form /alert opened was seen, and left
    assert replies[-1] == "You've left the form. Nothing was sent."
    async with database.unit_of_work() as uow:
        assert list(await uow.scalars(select(ConversationState))) == []
        outcomes = list(await uow.scalars(select(InboxUpdate.outcome).order_by("update_id")))
    assert outcomes == ["linked", "flow_step", "cancelled"]


async def test_a_bug_in_one_update_costs_only_that_update(
    database: Database, service_config: ServiceConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Five strangers write at once; the third update hits a bug after queuing a reply."""
    route_event = processing.route_event

    async def buggy(uow: AsyncSession, event: ChatEvent, ctx: ServiceContext) -> Any:
        if event.update_id == 13:
            await Reply(uow, event, ctx).say("half done")
            raise RuntimeError("a bug")
        return await route_event(uow, event, ctx)

    monkeypatch.setattr(processing, "route_event", buggy)
    users = [8101, 8102, 8103, 8104, 8105]
    async with database.unit_of_work() as uow:
        await record_updates(
            uow, [_text(11 + n, user, "hello") for n, user in enumerate(users)], now=NOW
        )
    ctx = ServiceContext(service_config, FakeClock(NOW))

    assert await processing.process_pending_updates(database, ctx) == 5

    async with database.unit_of_work() as uow:
        outcomes = list(await uow.scalars(select(InboxUpdate.outcome).order_by("update_id")))
    assert outcomes == ["stranger", "stranger", "error", "stranger", "stranger"]
    assert await _replies(database, 8103) == [processing.SORRY]  # "half done" was rolled back
    for user in (8101, 8102, 8104, 8105):
        (reply,) = await _replies(database, user)
        assert "Family Time" in reply


class Deadlock(Exception):
    """What asyncpg raises for a deadlock, as SQLAlchemy passes it on (inside a DBAPIError)."""

    sqlstate = "40P01"


@pytest.mark.parametrize(
    ("error", "cause"),
    [
        (OperationalError, Exception("a bug")),
        (IntegrityError, Exception("a bug")),
        (DBAPIError, Deadlock("deadlock detected")),
    ],
)
async def test_an_update_that_fails_every_time_does_not_hold_up_the_ones_behind_it(
    database: Database,
    service_config: ServiceConfig,
    monkeypatch: pytest.MonkeyPatch,
    error: type[DBAPIError],
    cause: Exception,
) -> None:
    """A bug that looks like a conflict (bad SQL, a broken constraint, or a deadlock every time)
    fails the same update each try: after a few tries it gets an apology and the others are
    handled. (A conflict that passes is simply retried.)"""
    route_event = processing.route_event
    tries = 0

    async def buggy(uow: AsyncSession, event: ChatEvent, ctx: ServiceContext) -> Any:
        nonlocal tries
        if event.update_id == 23:
            tries += 1
            await Reply(uow, event, ctx).say("half done")
            raise error("SELECT nonsense", {}, cause)
        return await route_event(uow, event, ctx)

    monkeypatch.setattr(processing, "route_event", buggy)
    users = [8201, 8202, 8203, 8204]
    async with database.unit_of_work() as uow:
        await record_updates(
            uow, [_text(21 + n, user, "hello") for n, user in enumerate(users)], now=NOW
        )
    ctx = ServiceContext(service_config, FakeClock(NOW))

    assert await processing.process_pending_updates(database, ctx) == 4

    assert tries == 1 + processing.MAX_CONFLICT_RETRIES + 1  # in the batch, then on its own
    async with database.unit_of_work() as uow:
        outcomes = list(await uow.scalars(select(InboxUpdate.outcome).order_by("update_id")))
    assert outcomes == ["stranger", "stranger", "error", "stranger"]
    assert await _replies(database, 8203) == [processing.SORRY]
