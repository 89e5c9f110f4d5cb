"""The Family Time Coordinators: who they are, and telling every one of them something."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.delivery.chat import SendMessage
from handlers.delivery.outbox import queue_delivery
from storage.models import Person, Priority, Role


async def active_coordinators(uow: AsyncSession) -> list[Person]:
    """Every active Family Time Coordinator, in a fixed order."""
    return list(
        await uow.scalars(
            select(Person)
            .where(Person.role == Role.COORDINATOR.value, Person.is_active.is_(True))
            .order_by(Person.id)
        )
    )


async def tell_coordinators(
    uow: AsyncSession,
    text: str,
    *,
    key: str,
    now: datetime,
    priority: Priority = Priority.REPLY,
    is_protected: bool = True,
    leaving_out: Collection[int] = (),
) -> list[int]:
    """Queue `text` to every active coordinator (but `leaving_out`), once per `key` each.

    Each row's dedupe key is `{key}:person:{coordinator id}`; returns who was queued.
    """
    told = []
    for coordinator in await active_coordinators(uow):
        if coordinator.id in leaving_out:
            continue
        await queue_delivery(
            uow,
            SendMessage(text, protect_content=is_protected),
            now=now,
            person_id=coordinator.id,
            priority=priority,
            dedupe_key=f"{key}:person:{coordinator.id}",
        )
        told.append(coordinator.id)
    return told
