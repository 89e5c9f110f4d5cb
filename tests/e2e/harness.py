"""Drive the whole bot through the local Bot API emulator, as simulated people would."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, and_, bindparam, exists, func, or_, select
from sqlalchemy.orm import aliased

from bot.app import FamilyTimeApp, Webhook
from bot.emulator import BotApiEmulator, EmulatedMessage
from bot.wiring import make_gateway
from handlers.people.identity import create_invite, find_person
from handlers.people.importing import import_records
from handlers.service.clock import FakeClock
from handlers.service.config import ServiceConfig
from handlers.service.limits import SenderLimit
from scheduler.dispatcher import SENDING
from scheduler.pacing import Limit, Limits
from storage.database import Database
from storage.models import (
    Alert,
    AlertStatus,
    InboxUpdate,
    OutboxMessage,
    OutboxStatus,
    Priority,
    ReportStatus,
    SessionReport,
    TelegramLink,
)

TOKEN = "123456:TEST-TOKEN-FOR-THE-EMULATOR"
# Pacing runs on the real clock, so scenarios about something else use roomy limits; the
# delivery scenarios restart the bot with Telegram's (DEFAULT_LIMITS).
SCENARIO_LIMITS = Limits(overall=Limit(per_second=1000, burst=1000), per_chat=Limit(100, 100))
# The clock stands still in most scenarios: a person may send as much as a scenario needs (the
# inbox's own limit has its scenarios, in test_fairness).
SCENARIO_SENDER_LIMIT = SenderLimit(burst=10_000)


class Harness:
    """The emulator, the database and a running bot, with helpers to act and to read chats."""

    def __init__(self, db: Database, config: ServiceConfig, runtime: str, now: datetime) -> None:
        self.db = db
        self.config = config
        self.runtime = runtime
        self.clock = FakeClock(now)
        self.emulator = BotApiEmulator(token=TOKEN, bot_username="familytime_test_bot")
        self.root = ""
        self.app: FamilyTimeApp | None = None
        self._stop: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._read: dict[int, int] = {}
        self._sent_updates: set[int] = set()

    async def __aenter__(self) -> Harness:
        self.root = await self.emulator.start(host="127.0.0.1", port=0)
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.stop_bot()
        await self.emulator.stop()

    async def start_bot(
        self,
        *,
        webhook: Webhook | None = None,
        limits: Limits = SCENARIO_LIMITS,
        send_timeout: float = 15.0,
        health_listen: tuple[str, int] | None = None,
        sender_limit: SenderLimit = SCENARIO_SENDER_LIMIT,
    ) -> None:
        """Start a bot process (in this event loop) against the emulator and database."""
        gateway = make_gateway(
            self.runtime, TOKEN, self.root, poll_timeout=1, send_timeout=send_timeout
        )
        self.app = FamilyTimeApp(
            self.db,
            gateway,
            self.config,
            self.clock,
            poll_timeout=1,
            tick_seconds=1.0,
            webhook=webhook,
            limits=limits,
            health_listen=health_listen,
            sender_limit=sender_limit,
        )
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(self.app.run(self._stop))
        await asyncio.wait_for(self.app.ready.wait(), 10)

    async def stop_bot(self) -> None:
        """Stop the bot as a shutdown would; state lives on in the database."""
        if self._stop is not None and self._task is not None:
            self._stop.set()
            await self._release_long_poll(self._task)
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(self._task, 15)
        self._stop = self._task = self.app = None

    async def _release_long_poll(self, task: asyncio.Task[None], timeout: float = 15.0) -> None:
        """End the bot's waiting getUpdates at once, so a stop need not wait out the poll.

        Telegram would answer the poll empty at its timeout; the emulator answers it now. A poll
        not yet waiting when woken is woken again, until the bot has stopped.
        """
        deadline = asyncio.get_running_loop().time() + timeout
        while not task.done() and asyncio.get_running_loop().time() < deadline:
            self.emulator.state.wake()
            await asyncio.wait({task}, timeout=0.02)

    async def import_records(self, **files: str) -> None:
        async with self.db.unit_of_work() as uow:
            await import_records(uow, self.config, now=self.clock.now(), **files)

    async def invite(self, ref: str, valid_for: timedelta = timedelta(hours=72)) -> str:
        async with self.db.unit_of_work() as uow:
            person = await find_person(uow, ref)
            assert person is not None, ref
            return await create_invite(uow, person, now=self.clock.now(), valid_for=valid_for)

    async def send(self, user_id: int, text: str, *, settle: bool = True) -> int:
        update_id = self.emulator.user_sends_text(user_id, text)
        self._sent_updates.add(update_id)
        if settle:
            await self.settle()
        return update_id

    async def send_media(self, user_id: int, kind: str, caption: str = "") -> int:
        """A person sends a photo, voice note, video or document, with an optional caption."""
        update_id = self.emulator.user_sends_media(user_id, kind, caption=caption)
        self._sent_updates.add(update_id)
        await self.settle()
        return update_id

    async def press(self, user_id: int, label: str, *, settle: bool = True) -> int:
        """Press the newest button whose text contains `label` in this person's chat."""
        for message in reversed(self.emulator.current_messages(user_id)):
            for text, data in message.buttons:
                if label.lower() in text.lower():
                    update_id = self.emulator.user_presses(user_id, message.message_id, data)
                    self._sent_updates.add(update_id)
                    if settle:
                        await self.settle()
                    return update_id
        raise AssertionError(f"no button {label!r} in chat {user_id}")

    async def settle(self, timeout: float = 15.0) -> None:
        """Wait until every update sent is processed and every due message is delivered."""
        deadline = asyncio.get_running_loop().time() + timeout
        calm = 0
        while calm < 3:
            calm = calm + 1 if await self._is_settled() else 0
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError("the bot did not settle")
            await asyncio.sleep(0.01)
        self._sent_updates.clear()  # all handled, for good (the retention purge may drop them)

    async def _is_settled(self) -> bool:
        if self.emulator.state.pending:  # the bot has not fetched them yet
            return False
        async with self.db.unit_of_work() as uow:
            row = (
                await uow.execute(
                    _SETTLED, {"now": self.clock.now(), "sent": list(self._sent_updates)}
                )
            ).one()
        processed, waiting, due_alerts, reports_to_make = row
        return (
            processed == len(self._sent_updates)
            and waiting == 0
            and due_alerts == 0
            and reports_to_make == 0
        )

    async def advance(self, delta: timedelta) -> None:
        """Move the injected clock on, wake the bot as its scheduler would, and settle."""
        self.clock.advance(delta)
        if self.app is not None:
            self.app.wake()
            await asyncio.wait_for(self.app.caught_up(), 15)
        await self.settle()

    async def press_data(self, user_id: int, data: str) -> int:
        """Press button data this person's chat does not show (a forwarded or forged message)."""
        messages = self.emulator.current_messages(user_id)
        assert messages, f"chat {user_id} has no bot message to press on"
        update_id = self.emulator.user_presses(user_id, messages[-1].message_id, data, strict=False)
        self._sent_updates.add(update_id)
        await self.settle()
        return update_id

    async def press_on(self, user_id: int, message_id: int, data: str) -> int:
        """Press button data on one message, whether or not it still shows that button (a tap
        made just before the bot removed it)."""
        update_id = self.emulator.user_presses(user_id, message_id, data, strict=False)
        self._sent_updates.add(update_id)
        await self.settle()
        return update_id

    async def link(self, user_id: int, ref: str) -> None:
        """Invite and link a person, reading away their greeting."""
        await self.send(user_id, f"/start {await self.invite(ref)}")
        greeting = self.unread(user_id)
        assert len(greeting) == 1 and "you're linked" in greeting[0].text, greeting

    def unread(self, chat_id: int) -> list[EmulatedMessage]:
        """Messages (and edits) this chat got since it was last read, marking them read."""
        messages = self.emulator.messages(chat_id)
        start = self._read.get(chat_id, 0)
        self._read[chat_id] = len(messages)
        return messages[start:]

    def last_text(self, chat_id: int) -> str:
        messages = self.emulator.messages(chat_id)
        return messages[-1].text if messages else ""

    def assert_no_unexpected_messages(self) -> None:
        """Every chat's messages have been read by the test; nobody got anything else."""
        leftovers = {
            chat: [m.text for m in self.emulator.messages(chat)[self._read.get(chat, 0) :]]
            for chat in self._chats()
        }
        leftovers = {chat: texts for chat, texts in leftovers.items() if texts}
        assert not leftovers, f"unexpected messages: {leftovers}"

    def _chats(self) -> set[int]:
        return {m.chat_id for m in self.emulator.all_bot_messages()} | set(self._read)


def _chat_of(row: type[OutboxMessage]) -> ColumnElement[int]:
    """The chat an outbox row goes to: its own, or its person's linked chat."""
    linked = select(TelegramLink.chat_id).where(TelegramLink.person_id == row.person_id)
    return func.coalesce(row.chat_id, linked.correlate_except(TelegramLink).scalar_subquery())


def _settled_query() -> Select[tuple[int, int, int, int]]:
    """One round trip: updates sent and handled, messages due and not yet sent, alerts due,
    reports whose PDF is still to make.

    Built once: a scenario asks it after every step, many times while the bot works.
    """
    now = bindparam("now", type_=OutboxMessage.not_before.type)
    processed = (
        select(func.count())
        .where(
            InboxUpdate.update_id.in_(bindparam("sent", expanding=True)),
            InboxUpdate.processed_at.is_not(None),
        )
        .scalar_subquery()
    )
    earlier = aliased(OutboxMessage)
    waiting = (
        select(func.count())
        .where(
            OutboxMessage.status == OutboxStatus.PENDING.value,
            or_(
                # Due, and not held behind a message to the same chat that goes before it (as
                # urgent and earlier, or more urgent) and waits to be sent or retried later: the
                # dispatcher keeps each chat in order, but an alert ping never waits.
                and_(
                    OutboxMessage.not_before <= now,
                    or_(
                        OutboxMessage.priority == Priority.ALERT.value,
                        ~exists().where(
                            earlier.status == OutboxStatus.PENDING.value,
                            earlier.not_before > now,
                            or_(
                                earlier.priority < OutboxMessage.priority,
                                and_(
                                    earlier.priority == OutboxMessage.priority,
                                    earlier.id < OutboxMessage.id,
                                ),
                            ),
                            _chat_of(earlier) == _chat_of(OutboxMessage),
                        ),
                    ),
                ),
                OutboxMessage.last_error == SENDING,  # on its way
            ),
        )
        .scalar_subquery()
    )
    due_alerts = (
        select(func.count())
        .where(Alert.status != AlertStatus.RESOLVED.value, Alert.due_at <= now)
        .scalar_subquery()
    )
    reports_to_make = (
        select(func.count())
        .where(SessionReport.status == ReportStatus.SUBMITTED.value)
        .scalar_subquery()
    )
    return select(processed, waiting, due_alerts, reports_to_make)


_SETTLED = _settled_query()
