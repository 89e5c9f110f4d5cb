"""A role cannot start, by command or by button, any capability not declared for it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from conversations import processing
from conversations.capabilities import REGISTRY
from conversations.registry import ButtonFamily
from handlers.delivery.chat import ChatEvent
from handlers.delivery.inbox import record_updates
from handlers.people.identity import create_invite, find_person
from handlers.people.importing import import_records
from handlers.service.clock import FakeClock
from handlers.service.config import ServiceConfig
from handlers.service.context import ServiceContext
from handlers.service.limits import SenderLimit
from storage.database import Database
from storage.models import ConversationState, InboxUpdate
from tests.e2e.fixtures import CARER, COORDINATOR, MONDAY_MORNING, PEOPLE, WORKER

NOW = MONDAY_MORNING
PEOPLE_BY_ROLE = {
    "C1": (CARER, "carer"),
    "W1": (WORKER, "worker"),
    "K1": (COORDINATOR, "coordinator"),
    "SW1": (7005, "social_worker"),
}


async def test_a_role_cannot_start_what_is_not_declared_for_it(
    database: Database, service_config: ServiceConfig
) -> None:
    updates: list[tuple[int, ChatEvent]] = []
    async with database.unit_of_work() as uow:
        await import_records(uow, service_config, now=NOW, people=PEOPLE)
        for ref, (user, _) in PEOPLE_BY_ROLE.items():
            person = await find_person(uow, ref)
            assert person is not None
            token = await create_invite(uow, person, now=NOW, valid_for=timedelta(days=1))
            updates.append((len(updates) + 1, _text(len(updates) + 1, user, f"/start {token}")))
    refused: list[int] = []
    for user, role in PEOPLE_BY_ROLE.values():
        for capability in REGISTRY.capabilities:
            if role in capability.roles:
                continue
            starts = capability.starts
            if isinstance(starts, ButtonFamily):
                tries = [(_press, f"{starts.prefix}1")]
            else:
                tries = [(_text, f"/{capability.name}"), (_press, f"m:{capability.name}")]
            for make, what in tries:
                update_id = len(updates) + 1
                refused.append(update_id)
                updates.append((update_id, make(update_id, user, what)))
    async with database.unit_of_work() as uow:
        await record_updates(uow, updates, now=NOW)

    # Every capability tried at once: the flood limit is another test's subject.
    ctx = ServiceContext(service_config, FakeClock(NOW), sender_limit=SenderLimit(burst=1000))
    assert await processing.process_pending_updates(database, ctx) == len(updates)

    async with database.unit_of_work() as uow:
        rows = await uow.scalars(select(InboxUpdate).where(InboxUpdate.update_id.in_(refused)))
        assert {row.outcome for row in rows} == {"refused"}
        assert list(await uow.scalars(select(ConversationState))) == []
    assert len(refused) > 20  # carers, workers, coordinators and social workers all tried


def _text(update_id: int, user: int, what: str) -> ChatEvent:
    return ChatEvent(update_id=update_id, telegram_user_id=user, chat_id=user, text=what)


def _press(update_id: int, user: int, what: str) -> ChatEvent:
    return ChatEvent(
        update_id=update_id,
        telegram_user_id=user,
        chat_id=user,
        callback_id=f"cb{user}",
        callback_data=what,
        message_id=1,
    )
