"""Telegram's command list in each linked chat, kept to what the registry says the role can do.

Set when a person links, and again at start-up for anyone whose list has changed since (a new
release's command, a new role): each list is queued once per chat and version of the list.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.capabilities import REGISTRY
from handlers.delivery.chat import SetCommands
from handlers.delivery.outbox import queue_delivery
from storage.models import OutboxMessage, Person, Priority, TelegramLink

_BATCH = 500  # chats whose queued lists are read in one query


def _key(chat_id: int, commands: tuple[tuple[str, str], ...]) -> str:
    digest = hashlib.sha256(json.dumps(commands).encode()).hexdigest()[:16]
    return f"commands:chat:{chat_id}:{digest}"


async def publish_commands(
    uow: AsyncSession,
    role: str,
    chat_id: int,
    *,
    now: datetime,
    priority: Priority = Priority.REPLY,
) -> bool:
    """Queue the role's command list for one chat, unless this very list was queued already."""
    commands = REGISTRY.commands_for(role)
    row = await queue_delivery(
        uow,
        SetCommands(commands),
        now=now,
        chat_id=chat_id,
        priority=priority,
        dedupe_key=_key(chat_id, commands),
    )
    return row is not None


async def refresh_command_menus(uow: AsyncSession, now: datetime) -> int:
    """Bring every linked chat's command list up to date; returns how many were queued.

    Runs at every start-up, so the lists already queued are read in one query per batch of
    chats rather than one per person.
    """
    linked = (
        await uow.execute(
            select(Person.role, TelegramLink.chat_id)
            .join(TelegramLink, TelegramLink.person_id == Person.id)
            .where(Person.is_active.is_(True), TelegramLink.is_reachable.is_(True))
            .order_by(Person.id)
        )
    ).all()
    queued = 0
    for start in range(0, len(linked), _BATCH):
        wanted = {
            _key(chat_id, REGISTRY.commands_for(role)): (role, chat_id)
            for role, chat_id in linked[start : start + _BATCH]
        }
        known = set(
            await uow.scalars(
                select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(wanted))
            )
        )
        for key, (role, chat_id) in wanted.items():
            if key in known:
                continue
            await queue_delivery(
                uow,
                SetCommands(REGISTRY.commands_for(role)),
                now=now,
                chat_id=chat_id,
                priority=Priority.REMINDER,
                dedupe_key=key,
                key_is_new=True,
            )
            queued += 1
    return queued
