"""Answers to the event being handled, all written to the outbox."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.delivery.chat import (
    AnswerButton,
    ChatEvent,
    Delivery,
    EditMessage,
    Keyboard,
    SendDocument,
    SendMessage,
)
from handlers.delivery.outbox import queue_delivery
from handlers.service.context import ServiceContext
from storage.models import OutboxMessage


@dataclass
class Reply:
    """Queues what the bot says back in the chat an event came from."""

    uow: AsyncSession
    event: ChatEvent
    ctx: ServiceContext
    person_id: int | None = None
    _count: int = field(default=0, init=False)
    _answered: bool = field(default=False, init=False)

    async def _queue(self, delivery: Delivery, edit_of_id: int | None = None) -> str:
        """Queue it; returns the outbox key of the row carrying its buttons."""
        self._count += 1
        row = await queue_delivery(
            self.uow,
            delivery,
            now=self.ctx.now(),
            chat_id=self.event.chat_id,
            dedupe_key=f"update:{self.event.update_id}:{self._count}",
            edit_of_id=edit_of_id,
            key_is_new=True,
        )
        return row.dedupe_key if row is not None and row.dedupe_key else ""

    async def say(self, text: str, keyboard: Keyboard = (), *, protect: bool = False) -> None:
        """Send a new message in this chat."""
        await self._queue(SendMessage(text, keyboard, protect_content=protect))

    async def send(self, message: SendMessage) -> str:
        """Send a message built elsewhere (a flow prompt); returns its outbox key, so it can be
        edited later without knowing its Telegram id."""
        return await self._queue(message)

    async def send_file(self, document: SendDocument) -> None:
        """Send a file (a calendar file) in this chat."""
        await self._queue(document)

    async def edit_sent(self, outbox_key: str, text: str) -> None:
        """Replace a message this bot queued earlier (by its outbox key), removing its buttons;
        nothing if that row is gone (purged long ago)."""
        found = await self.uow.scalar(
            select(OutboxMessage.id).where(OutboxMessage.dedupe_key == outbox_key)
        )
        if found is not None:
            await self._queue(EditMessage(0, text), edit_of_id=found)

    async def edit_pressed(self, text: str) -> None:
        """Replace the message whose button was pressed, removing its buttons."""
        if self.event.message_id is not None:
            await self._queue(EditMessage(self.event.message_id, text))

    async def answer_button_and_say(self, text: str) -> None:
        """A button that can't do what it says: one sentence on its notice, which fades, and the
        same in the chat, where it stays."""
        await self.answer_button(text)
        await self.say(text)

    async def answer_button(self, notice: str | None = None) -> None:
        """Stop the button's spinner, once, with an optional short notice."""
        if self.event.callback_id is not None and not self._answered:
            self._answered = True
            await self._queue(AnswerButton(self.event.callback_id, notice))
