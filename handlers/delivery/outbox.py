"""Queue outgoing deliveries in the same transaction as the decision that wants them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.delivery.chat import Delivery, EditMessage, delivery_to_json
from handlers.delivery.message_limits import fit_delivery
from storage.models import OutboxMessage, OutboxStatus, Priority


async def queue_delivery(
    uow: AsyncSession,
    delivery: Delivery,
    *,
    now: datetime,
    person_id: int | None = None,
    chat_id: int | None = None,
    priority: Priority = Priority.REPLY,
    dedupe_key: str | None = None,
    not_before: datetime | None = None,
    edit_of_id: int | None = None,
    key_is_new: bool = False,
) -> OutboxMessage | None:
    """Add one delivery to the outbox; a repeated dedupe key adds nothing and returns None.

    An edit of a message that is itself still in the outbox names it with `edit_of_id`; the
    dispatcher sends the edit once that message has its Telegram id. `key_is_new` skips the
    lookup when the caller knows no row can have the key yet (an update's replies: each update
    is handled once, and its replies commit with its processed mark).
    """
    if person_id is None and chat_id is None:
        raise ValueError("a delivery needs a person or a chat")
    if dedupe_key is not None and not key_is_new:
        existing = await uow.scalar(
            select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
        )
        if existing is not None:
            return None
    # Telegram refuses text over its limits: a long message goes in parts (the first under the
    # caller's key, the buttons on the last, which is the row returned for later edits).
    row: OutboxMessage | None = None
    for number, part in enumerate(fit_delivery(delivery)):
        key = dedupe_key if number == 0 or dedupe_key is None else f"{dedupe_key}:part{number}"
        row = OutboxMessage(
            dedupe_key=key,
            person_id=person_id,
            chat_id=chat_id,
            payload=delivery_to_json(part),
            priority=priority.value,
            created_at=now,
            not_before=not_before or now,
            edit_of_id=edit_of_id,
        )
        uow.add(row)
    return row


async def withdraw_waiting(uow: AsyncSession, key_prefix: str, *, now: datetime) -> int:
    """Drop messages still waiting to go whose dedupe key starts with `key_prefix` (so the same
    key can be queued again with new words); returns how many.

    A message a sender has just claimed (due later than now, never tried, or its send begun) is
    left alone: it is on its way within seconds.
    """
    result = await uow.execute(
        delete(OutboxMessage)
        .where(
            OutboxMessage.dedupe_key.startswith(key_prefix, autoescape=True),
            OutboxMessage.status == OutboxStatus.PENDING.value,
            or_(OutboxMessage.last_error.is_(None), OutboxMessage.last_error != "sending"),
            or_(OutboxMessage.attempts == 0, OutboxMessage.not_before <= now),
        )
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def decided_text(copy: OutboxMessage, line: str) -> str:
    """A question's copy as it reads once someone decided: its words, then who and what."""
    return f"{copy.payload.get('text', '')}\n{line}"


async def mark_copies_decided(
    uow: AsyncSession, copies: Iterable[OutboxMessage], line: str, *, now: datetime
) -> None:
    """Each other person asked the same question loses its buttons and reads who decided (the
    first press wins); the edit goes once the copy has its Telegram id."""
    for copy in copies:
        await queue_delivery(
            uow,
            EditMessage(0, decided_text(copy, line)),
            now=now,
            person_id=copy.person_id,
            dedupe_key=f"{copy.dedupe_key}:decided",
            edit_of_id=copy.id,
        )
