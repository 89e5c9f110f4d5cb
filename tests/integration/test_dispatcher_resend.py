"""A send cut off mid-way (the bot died or stopped before hearing back) is sent again once its
lease has run out, and counted as a possible duplicate, since Telegram may have taken it; the
chat's next message, never tried, is not counted."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

from bot.delivery_follow_ups import ServiceFollowUps
from handlers.delivery.chat import Delivery, DeliveryResult, SendMessage
from handlers.delivery.outbox import queue_delivery
from handlers.delivery.outbox_status import sent_after_a_timeout
from handlers.service.clock import FakeClock
from handlers.service.config import ServiceConfig
from scheduler.dispatcher import LEASE, SENDING, Dispatcher
from storage.database import Database
from storage.models import OutboxMessage
from tests.e2e.fixtures import CARER, MONDAY_MORNING
from tests.integration.test_dispatcher_order import RecordingSender


async def test_a_send_cut_off_mid_way_is_sent_again_after_its_lease_and_counted(
    database: Database, service_config: ServiceConfig
) -> None:
    clock = FakeClock(MONDAY_MORNING)
    async with database.unit_of_work() as uow:
        for text in ("hello", "then this"):
            await queue_delivery(uow, SendMessage(text), now=clock.now(), chat_id=CARER)
    arrived: list[str] = []

    class DyingSender:
        """Telegram takes the message; the bot dies before the answer comes back."""

        async def deliver(self, chat_id: int, delivery: Delivery) -> DeliveryResult:
            assert isinstance(delivery, SendMessage)
            arrived.append(delivery.text)
            await asyncio.Event().wait()
            raise AssertionError("unreachable")

    dispatcher = Dispatcher(
        database, DyingSender(), clock, follow_ups=ServiceFollowUps(), limits=None
    )
    draining = asyncio.create_task(dispatcher.drain())
    for _ in range(500):
        if arrived:
            break
        await asyncio.sleep(0.01)
    draining.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await draining

    sender = RecordingSender()
    restarted = Dispatcher(database, sender, clock, follow_ups=ServiceFollowUps(), limits=None)
    assert await restarted.drain() == 0  # the lease still holds: the sender may be alive
    clock.advance(LEASE + timedelta(seconds=1))
    assert await restarted.drain() == 2

    assert arrived == ["hello"]  # the second, never tried, is not counted below
    assert sender.sent == [(CARER, "hello"), (CARER, "then this")]  # "hello" twice: counted
    async with database.unit_of_work() as uow:
        assert await sent_after_a_timeout(uow) == 1


async def test_renewing_leases_keeps_a_recorded_backoff(database: Database) -> None:
    clock = FakeClock(MONDAY_MORNING)
    now = clock.now()
    async with database.unit_of_work() as uow:
        sending = await queue_delivery(uow, SendMessage("on its way"), now=now, chat_id=1)
        failed = await queue_delivery(uow, SendMessage("to retry"), now=now, chat_id=2)
        assert sending is not None and failed is not None
        sending.not_before, sending.last_error = now + LEASE, SENDING
        failed.not_before, failed.last_error = now + timedelta(seconds=60), "HTTP 502"
    dispatcher = Dispatcher(
        database, RecordingSender(), clock, follow_ups=ServiceFollowUps(), limits=None
    )
    dispatcher._holding |= {sending.id, failed.id}  # both were claimed by this process
    clock.advance(timedelta(seconds=5))
    await dispatcher.renew_leases()
    async with database.unit_of_work() as uow:
        renewed = await uow.get(OutboxMessage, sending.id)
        kept = await uow.get(OutboxMessage, failed.id)
        assert renewed is not None and kept is not None
        assert renewed.not_before == clock.now() + LEASE
        assert kept.not_before == now + timedelta(seconds=60)  # its backoff stands
