"""Delivery under Telegram's limits: paced per chat and overall; a 429 holds back only its chat."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select

from bot.emulator import Fault, RateLimits
from handlers.delivery.chat import SendMessage
from handlers.delivery.outbox import queue_delivery
from handlers.delivery.outbox_status import sent_after_a_timeout
from handlers.people.identity import find_person
from scheduler.dispatcher import DEFAULT_LIMITS
from storage.models import OutboxMessage, OutboxStatus, Priority, TelegramLink
from tests.e2e.fixtures import CARER, COORDINATOR, STRANGER, WORKER
from tests.e2e.harness import Harness

BURST = 10


async def with_telegrams_limits(h: Harness) -> None:
    await h.stop_bot()
    await h.start_bot(limits=DEFAULT_LIMITS)


async def queue_texts(h: Harness, chat_id: int, count: int, tag: str) -> None:
    async with h.db.unit_of_work() as uow:
        for n in range(count):
            await queue_delivery(
                uow,
                SendMessage(f"{tag} {n}"),
                now=h.clock.now(),
                chat_id=chat_id,
                dedupe_key=f"test:{tag}:{n}",
            )
    assert h.app is not None
    h.app.dispatcher.wake()


async def test_a_burst_to_two_chats_is_paced_without_a_single_429(harness: Harness) -> None:
    h = harness
    await with_telegrams_limits(h)
    await h.link(CARER, "C1")
    await h.link(WORKER, "W1")
    h.emulator.state.limits = RateLimits()  # from now on the emulator answers 429 above them
    await queue_texts(h, CARER, BURST, "carer")
    await queue_texts(h, WORKER, BURST, "worker")
    await h.settle(timeout=30)
    assert [m.text for m in h.unread(CARER)] == [f"carer {n}" for n in range(BURST)]
    assert [m.text for m in h.unread(WORKER)] == [f"worker {n}" for n in range(BURST)]
    assert h.emulator.state.throttled == 0
    h.assert_no_unexpected_messages()


async def test_a_429_on_one_chat_delays_only_that_chat(harness: Harness) -> None:
    h = harness
    await with_telegrams_limits(h)
    await h.link(CARER, "C1")
    await h.send(STRANGER, "hello")
    h.unread(STRANGER)
    h.emulator.inject_fault(
        Fault(429, "Too Many Requests: retry after 1", retry_after=1, chat_id=CARER)
    )
    await queue_texts(h, CARER, 1, "carer")
    await queue_texts(h, STRANGER, 1, "stranger")
    await h.settle()
    assert [m.text for m in h.unread(STRANGER)] == ["stranger 0"]
    assert h.unread(CARER) == []
    await h.advance(timedelta(seconds=1))
    await h.settle(timeout=30)
    assert [m.text for m in h.unread(CARER)] == ["carer 0"]  # once, after the pause
    h.assert_no_unexpected_messages()


async def test_a_chat_at_its_limit_does_not_hold_up_the_others(harness: Harness) -> None:
    h = harness
    await with_telegrams_limits(h)
    await h.link(CARER, "C1")
    await h.link(WORKER, "W1")
    await queue_texts(h, CARER, 12, "carer")  # one chat's broadcast, queued first
    await queue_texts(h, WORKER, 1, "worker")
    deadline = asyncio.get_running_loop().time() + 10
    while not h.emulator.messages(WORKER):
        assert asyncio.get_running_loop().time() < deadline, "the worker's message never came"
        await asyncio.sleep(0.02)
    assert len(h.emulator.messages(CARER)) < 12  # the worker did not wait for all of them
    await h.settle(timeout=30)
    assert [m.text for m in h.unread(CARER)] == [f"carer {n}" for n in range(12)]
    assert [m.text for m in h.unread(WORKER)] == ["worker 0"]
    h.assert_no_unexpected_messages()


async def drain_retries(h: Harness, rounds: int = 20) -> None:
    """Move the clock on past each backoff until nothing is left to send."""
    for _ in range(rounds):
        async with h.db.unit_of_work() as uow:
            pending = await uow.scalar(
                select(func.count()).where(OutboxMessage.status == OutboxStatus.PENDING.value)
            )
        if not pending:
            return
        await h.advance(timedelta(seconds=61))
    raise AssertionError("messages still pending after every retry")


async def test_a_burst_of_5xx_and_timeouts_delivers_each_message_once_bar_counted_timeouts(
    harness: Harness,
) -> None:
    h = harness
    await h.stop_bot()
    await h.start_bot(send_timeout=0.5)
    await h.link(CARER, "C1")
    for fault in (
        Fault(500, "Internal Server Error", method="sendMessage", times=2),
        Fault(502, "Bad Gateway", method="sendMessage", times=1),
        # No answer in time, but Telegram took it: the retry shows it a second time.
        Fault(0, "", method="sendMessage", times=2, delay=1.5),
        # No answer in time, and Telegram failed it too: the retry is its only copy.
        Fault(504, "Gateway Timeout", method="sendMessage", times=1, delay=1.5),
        Fault(503, "Service Unavailable", method="sendMessage", times=1),
    ):
        h.emulator.inject_fault(fault)
    await queue_texts(h, CARER, 20, "faulty")
    await h.settle(timeout=30)
    await drain_retries(h)
    # A send Telegram holds for 1.5 s may land after its retry: give the emulator that long.
    deadline = asyncio.get_running_loop().time() + 5
    while len(h.emulator.messages(CARER)) < 20 + 2 + 1:  # the 20, 2 extra copies, the greeting
        assert asyncio.get_running_loop().time() < deadline, "a timed-out send never landed"
        await asyncio.sleep(0.05)

    texts = [m.text for m in h.unread(CARER)]
    counts = {f"faulty {n}": texts.count(f"faulty {n}") for n in range(20)}
    assert min(counts.values()) == 1 and len(texts) == sum(counts.values())
    # A chat stops at its first failed send, so the messages first appear in their order.
    assert list(dict.fromkeys(texts)) == [f"faulty {n}" for n in range(20)]
    # Exactly one extra copy for each send Telegram took after the bot had stopped waiting.
    assert sum(count - 1 for count in counts.values()) == 2
    shown_again = sum(1 for count in counts.values() if count > 1)
    async with h.db.unit_of_work() as uow:
        counted = await sent_after_a_timeout(uow)
        failed = await uow.scalar(
            select(func.count()).where(
                OutboxMessage.status == OutboxStatus.FAILED.value,
                OutboxMessage.dedupe_key.like("test:faulty:%"),
            )
        )
    # Every message with a timed-out try is counted as a possible duplicate (the 504 after a
    # stall is counted too, though Telegram did not take it).
    assert 1 <= shown_again <= counted <= 3
    assert failed == 0 and not h.emulator.state.faults
    h.assert_no_unexpected_messages()


async def test_a_bad_request_fails_that_message_only_and_the_person_stays_reachable(
    harness: Harness,
) -> None:
    h = harness
    await h.link(CARER, "C1")
    await h.link(COORDINATOR, "K1")
    h.emulator.inject_fault(Fault(400, "Bad Request: can't parse entities", chat_id=CARER))
    carer_id = await person_id(h, "C1")
    async with h.db.unit_of_work() as uow:
        for n in range(2):
            await queue_delivery(
                uow,
                SendMessage(f"for the carer {n}"),
                now=h.clock.now(),
                person_id=carer_id,
                dedupe_key=f"test:bad:{n}",
            )
    assert h.app is not None
    h.app.dispatcher.wake()
    await h.settle()
    assert [m.text for m in h.unread(CARER)] == ["for the carer 1"]  # the next one still goes
    async with h.db.unit_of_work() as uow:
        link = await uow.get(TelegramLink, carer_id)
    assert link is not None and link.is_reachable  # no "can't reach" to the coordinator
    h.assert_no_unexpected_messages()


async def person_id(h: Harness, ref: str) -> int:
    async with h.db.unit_of_work() as uow:
        person = await find_person(uow, ref)
        assert person is not None
        return person.id


async def test_an_alert_ping_does_not_wait_for_a_stalled_send_to_another_chat(
    harness: Harness,
) -> None:
    h = harness
    await h.link(CARER, "C1")
    await h.link(WORKER, "W1")
    h.emulator.inject_fault(Fault(0, "", method="sendMessage", chat_id=CARER, delay=4))
    await queue_texts(h, CARER, 1, "stalled")
    while h.emulator.state.faults:  # the carer's message is on its way, and stuck
        await asyncio.sleep(0.01)
    assert not h.emulator.messages(CARER)[1:]
    async with h.db.unit_of_work() as uow:
        worker = await find_person(uow, "W1")
        assert worker is not None
        await queue_delivery(
            uow,
            SendMessage("🚨 ping"),
            now=h.clock.now(),
            person_id=worker.id,
            priority=Priority.ALERT,
            dedupe_key="test:ping",
        )
    assert h.app is not None
    h.app.dispatcher.wake()

    deadline = asyncio.get_running_loop().time() + 10
    while not h.unread(WORKER):
        assert asyncio.get_running_loop().time() < deadline, "the ping never arrived"
        await asyncio.sleep(0.01)
    # Only the greeting so far: the ping did not wait for the stalled send.
    assert len(h.emulator.messages(CARER)) == 1
    await h.settle(timeout=15)
    assert [m.text for m in h.unread(CARER)] == ["stalled 0"]
