"""A chat's messages keep their order across instances, however they were addressed: a reminder
to a person waits while another instance is still sending a reply to that person's chat."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from bot.delivery_follow_ups import ServiceFollowUps
from handlers.delivery.chat import Delivery, DeliveryResult, EditMessage, SendMessage
from handlers.delivery.outbox import queue_delivery
from handlers.people.identity import find_person
from handlers.people.importing import import_records
from handlers.service.clock import FakeClock
from handlers.service.config import ServiceConfig
from scheduler.dispatcher import DEFAULT_LIMITS, LEASE, Dispatcher
from scheduler.pacing import Limit, Limits
from storage.database import Database
from storage.models import OutboxMessage, OutboxStatus, Priority, TelegramLink
from tests.e2e.fixtures import CARER, MONDAY_MORNING, PEOPLE, WORKER


class RecordingSender:
    def __init__(self) -> None:
        self.sent: list[tuple[int, str]] = []

    async def deliver(self, chat_id: int, delivery: Delivery) -> DeliveryResult:
        assert isinstance(delivery, SendMessage)
        self.sent.append((chat_id, delivery.text))
        return DeliveryResult(ok=True, message_id=len(self.sent))


async def test_a_reminder_waits_for_a_reply_to_the_same_chat_on_its_way_elsewhere(
    database: Database, service_config: ServiceConfig
) -> None:
    clock = FakeClock(MONDAY_MORNING)
    now = clock.now()
    async with database.unit_of_work() as uow:
        await import_records(uow, service_config, now=now, people=PEOPLE)
        carer = await find_person(uow, "C1")
        assert carer is not None
        uow.add(
            TelegramLink(
                person_id=carer.id,
                telegram_user_id=CARER,
                chat_id=CARER,
                linked_at=now - timedelta(days=1),
                is_reachable=True,
            )
        )
        reply = await queue_delivery(uow, SendMessage("the reply"), now=now, chat_id=CARER)
        await queue_delivery(
            uow,
            SendMessage("the reminder"),
            now=now,
            person_id=carer.id,
            priority=Priority.REMINDER,
        )
        assert reply is not None
        # Another instance has claimed the reply and is sending it.
        reply.attempts, reply.not_before = 1, now + LEASE
    sender = RecordingSender()
    dispatcher = Dispatcher(database, sender, clock, follow_ups=ServiceFollowUps(), limits=None)

    await dispatcher.drain()
    assert sender.sent == []  # the reminder waits its turn

    async with database.unit_of_work() as uow:  # the other instance records its send
        await uow.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == reply.id)
            .values(status=OutboxStatus.SENT.value)
        )
    await dispatcher.drain()
    assert sender.sent == [(CARER, "the reminder")]


async def test_a_failed_claim_of_alert_pings_does_not_drop_the_batch_on_its_way(
    database: Database, service_config: ServiceConfig
) -> None:
    clock = FakeClock(MONDAY_MORNING)
    async with database.unit_of_work() as uow:
        await queue_delivery(uow, SendMessage("slow"), now=clock.now(), chat_id=CARER)
    release = asyncio.Event()

    class SlowSender(RecordingSender):
        async def deliver(self, chat_id: int, delivery: Delivery) -> DeliveryResult:
            await release.wait()
            return await super().deliver(chat_id, delivery)

    sender = SlowSender()
    dispatcher = Dispatcher(database, sender, clock, follow_ups=ServiceFollowUps(), limits=None)
    claim = dispatcher._claim

    async def failing_claim(*, alerts_only: bool = False) -> list[Any]:
        if alerts_only:
            raise OperationalError("SELECT", {}, Exception("database gone for a moment"))
        return await claim(alerts_only=alerts_only)

    dispatcher._claim = failing_claim  # type: ignore[method-assign]
    draining = asyncio.create_task(dispatcher.drain())
    await asyncio.sleep(0.1)  # the batch is on its way
    dispatcher.wake()  # something new: the claim of alert pings fails
    await asyncio.sleep(0.1)
    release.set()

    assert await asyncio.wait_for(draining, 10) == 1
    assert sender.sent == [(CARER, "slow")]
    async with database.unit_of_work() as uow:
        statuses = list(await uow.scalars(select(OutboxMessage.status)))
    assert statuses == [OutboxStatus.SENT.value]


async def test_alert_messages_to_one_chat_keep_their_order_and_do_not_wait_for_others(
    database: Database, service_config: ServiceConfig
) -> None:
    """Two alert messages to the worker (a ping, then its update) while a reply to the carer
    is stuck: the second waits for the first only, not for the stuck reply."""
    clock = FakeClock(MONDAY_MORNING)
    held = {text: asyncio.Event() for text in ("ping", "stuck reply")}

    class GatedSender(RecordingSender):
        async def deliver(self, chat_id: int, delivery: Delivery) -> DeliveryResult:
            assert isinstance(delivery, SendMessage)
            if delivery.text in held:
                await held[delivery.text].wait()
            return await super().deliver(chat_id, delivery)

    async def queue(text: str, chat_id: int, priority: Priority) -> None:
        async with database.unit_of_work() as uow:
            await queue_delivery(
                uow, SendMessage(text), now=clock.now(), chat_id=chat_id, priority=priority
            )

    async def until(condition: Callable[[], bool]) -> None:
        for _ in range(500):
            if condition():
                return
            await asyncio.sleep(0.01)
        raise AssertionError("timed out")

    await queue("ping", WORKER, Priority.ALERT)
    await queue("stuck reply", CARER, Priority.REPLY)
    sender = GatedSender()
    dispatcher = Dispatcher(database, sender, clock, follow_ups=ServiceFollowUps(), limits=None)
    draining = asyncio.create_task(dispatcher.drain())
    await asyncio.sleep(0.1)  # both on their way, both stuck
    await queue("update", WORKER, Priority.ALERT)
    dispatcher.wake()
    await asyncio.sleep(0.1)
    assert sender.sent == []  # the update does not overtake the ping

    held["ping"].set()
    await until(lambda: len(sender.sent) == 2)
    assert sender.sent == [(WORKER, "ping"), (WORKER, "update")]  # the reply is still stuck
    held["stuck reply"].set()
    assert await asyncio.wait_for(draining, 10) == 3
    assert sender.sent[-1] == (CARER, "stuck reply")


async def test_a_reply_waits_while_another_instance_has_locked_the_one_before_it(
    database: Database, service_config: ServiceConfig
) -> None:
    """Another instance's claim has locked the chat's first reply but not yet leased it: this
    claim skips that row and must not send the second reply ahead of it."""
    if not database.is_postgres:
        pytest.skip("row locks between instances: SQLite lets one writer in at a time")
    clock = FakeClock(MONDAY_MORNING)
    async with database.unit_of_work() as uow:
        first = await queue_delivery(uow, SendMessage("first"), now=clock.now(), chat_id=CARER)
        await queue_delivery(uow, SendMessage("second"), now=clock.now(), chat_id=CARER)
    assert first is not None
    sender = RecordingSender()
    dispatcher = Dispatcher(database, sender, clock, follow_ups=ServiceFollowUps(), limits=None)

    async with database.unit_of_work() as other_instance:
        await other_instance.execute(
            select(OutboxMessage.id).where(OutboxMessage.id == first.id).with_for_update()
        )
        assert await dispatcher.drain() == 0
    assert sender.sent == []

    assert await dispatcher.drain() == 2
    assert sender.sent == [(CARER, "first"), (CARER, "second")]


async def test_a_later_edit_waits_while_another_instance_has_the_earlier_one(
    database: Database, service_config: ServiceConfig
) -> None:
    """ "Taken" and "resolved" edits of one alert ping: another instance's claim holds the first,
    so this one must not send the second ahead of it (the ping would end up showing "taken")."""
    if not database.is_postgres:
        pytest.skip("row locks between instances: SQLite lets one writer in at a time")
    clock = FakeClock(MONDAY_MORNING)
    now = clock.now()
    async with database.unit_of_work() as uow:
        ping = await queue_delivery(
            uow, SendMessage("ping"), now=now, chat_id=WORKER, priority=Priority.ALERT
        )
        assert ping is not None
        ping.status, ping.telegram_message_id = OutboxStatus.SENT.value, 99
        await uow.flush()
        edits = [
            await queue_delivery(
                uow,
                EditMessage(0, text),
                now=now,
                chat_id=WORKER,
                priority=Priority.ALERT,
                edit_of_id=ping.id,
            )
            for text in ("taken", "resolved")
        ]
    first = edits[0]
    assert first is not None
    sent: list[tuple[int, int, str]] = []

    class EditSender:
        async def deliver(self, chat_id: int, delivery: Delivery) -> DeliveryResult:
            assert isinstance(delivery, EditMessage)
            sent.append((chat_id, delivery.message_id, delivery.text))
            return DeliveryResult(ok=True, message_id=delivery.message_id)

    dispatcher = Dispatcher(
        database, EditSender(), clock, follow_ups=ServiceFollowUps(), limits=None
    )
    async with database.unit_of_work() as other_instance:
        await other_instance.execute(
            select(OutboxMessage.id).where(OutboxMessage.id == first.id).with_for_update()
        )
        assert await dispatcher.drain() == 0
    assert sent == []

    assert await dispatcher.drain() == 2
    assert sent == [(WORKER, 99, "taken"), (WORKER, 99, "resolved")]


async def test_a_reply_does_not_wait_behind_a_chats_backlog_of_reminders(
    database: Database,
) -> None:
    clock, pace = FakeClock(MONDAY_MORNING), FakeClock(MONDAY_MORNING)
    now = clock.now()
    async with database.unit_of_work() as uow:
        for n in range(30):
            await queue_delivery(
                uow,
                SendMessage(f"reminder {n}"),
                now=now,
                chat_id=CARER,
                priority=Priority.REMINDER,
            )
    sender = RecordingSender()
    one_a_second = Limits(overall=DEFAULT_LIMITS.overall, per_chat=Limit(per_second=1, burst=1))
    dispatcher = Dispatcher(
        database, sender, clock, follow_ups=ServiceFollowUps(), limits=one_a_second, pace_clock=pace
    )
    await dispatcher.drain()
    burst = len(sender.sent)
    assert burst == 1  # the rest are put aside, a second apart

    async with database.unit_of_work() as uow:
        await queue_delivery(uow, SendMessage("the reply"), now=now, chat_id=CARER)
    await dispatcher.drain()
    assert len(sender.sent) == burst  # the chat is at its limit
    pace.advance(timedelta(seconds=1.5))  # it may send one more
    await dispatcher.drain()
    assert sender.sent[burst] == (CARER, "the reply")  # before the 20-odd reminders left


async def test_a_chats_backlog_keeps_going_out_in_order_at_its_limit(database: Database) -> None:
    clock, pace = FakeClock(MONDAY_MORNING), FakeClock(MONDAY_MORNING)
    async with database.unit_of_work() as uow:
        for n in range(100):
            await queue_delivery(uow, SendMessage(f"b{n}"), now=clock.now(), chat_id=CARER)
    sender = RecordingSender()
    dispatcher = Dispatcher(
        database,
        sender,
        clock,
        follow_ups=ServiceFollowUps(),
        limits=DEFAULT_LIMITS,
        pace_clock=pace,
    )
    for _ in range(40):  # 20 seconds of the real clock, a drain every half second
        await dispatcher.drain()
        pace.advance(timedelta(seconds=0.5))
    texts = [text for _, text in sender.sent]
    assert texts == [f"b{n}" for n in range(len(texts))]  # in order, none skipped
    # The burst, then about one a second: nothing stalls behind a row put aside.
    assert len(texts) >= DEFAULT_LIMITS.per_chat.burst + 15, texts
