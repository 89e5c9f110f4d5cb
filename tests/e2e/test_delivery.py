"""Delivery under Telegram's limits: paced per chat and overall; a 429 holds back only its chat."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.emulator import Fault, RateLimits
from handlers.chat import SendMessage
from handlers.outbox import queue_delivery
from scheduler.dispatcher import DEFAULT_LIMITS
from tests.e2e.fixtures import CARER, STRANGER, WORKER
from tests.e2e.harness import Harness

BURST = 10


async def with_telegrams_limits(h: Harness) -> None:
    await h.stop_bot()
    await h.start_bot(limits=DEFAULT_LIMITS)


async def queue_texts(h: Harness, chat_id: int, count: int, tag: str) -> None:
    async with h.db.unit_of_work() as session:
        for n in range(count):
            await queue_delivery(
                session,
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
