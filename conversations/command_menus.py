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
from storage.models import Person, Priority, TelegramLink


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
    """Bring every linked chat's command list up to date; returns how many were queued."""
    linked = await uow.execute(
        select(Person.role, TelegramLink.chat_id)
        .join(TelegramLink, TelegramLink.person_id == Person.id)
        .where(Person.is_active.is_(True), TelegramLink.is_reachable.is_(True))
        .order_by(Person.id)
    )
    queued = 0
    for role, chat_id in linked.all():
        queued += await publish_commands(uow, role, chat_id, now=now, priority=Priority.REMINDER)
    return queued
