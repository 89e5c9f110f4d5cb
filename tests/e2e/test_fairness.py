"""No chat can hold up another: a chat's backlog waits out of everyone's way, and a flood from
one account is settled at the inbox for a little CPU and a handful of replies at most."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from handlers.delivery.chat import SendMessage
from handlers.delivery.outbox import queue_delivery
from handlers.delivery.sender_limits import SLOW_DOWN
from handlers.service.limits import DEFAULT_LIMIT
from scheduler.dispatcher import DEFAULT_LIMITS
from storage.models import AuditEvent, InboxUpdate, OutboxMessage
from tests.e2e.alert_steps import setup
from tests.e2e.fixtures import CARER, MANAGER, SENIOR, STRANGER, WORKER
from tests.e2e.harness import Harness

BACKLOG = 1000


async def queue_backlog(h: Harness, chat_id: int, count: int) -> None:
    async with h.db.unit_of_work() as uow:
        for n in range(count):
            await queue_delivery(
                uow, SendMessage(f"backlog {n}"), now=h.clock.now(), chat_id=chat_id
            )
    assert h.app is not None
    h.app.dispatcher.wake()


async def next_message(h: Harness, chat_id: int) -> str:
    """Wait for this chat's next message (a bound against hanging, not a timing check)."""
    deadline = asyncio.get_running_loop().time() + 20
    while not (messages := h.unread(chat_id)):
        assert asyncio.get_running_loop().time() < deadline, "the message never came"
        await asyncio.sleep(0.01)
    return messages[-1].text


async def button_shown(h: Harness, chat_id: int, label: str) -> None:
    """Wait until this chat shows a button (a bound against hanging, not a timing check)."""
    deadline = asyncio.get_running_loop().time() + 20
    while not any(
        label.lower() in text.lower()
        for message in h.emulator.current_messages(chat_id)
        for text, _ in message.buttons
    ):
        assert asyncio.get_running_loop().time() < deadline, f"no {label!r} button came"
        await asyncio.sleep(0.01)
    h.unread(chat_id)


async def test_a_thousand_messages_for_one_chat_do_not_hold_up_a_workers_alert(
    harness: Harness,
) -> None:
    h = harness
    await h.stop_bot()
    # Telegram's limits (the backlog goes at 1/s), and the inbox's own.
    await h.start_bot(limits=DEFAULT_LIMITS, sender_limit=DEFAULT_LIMIT)
    await setup(h)
    await queue_backlog(h, STRANGER, BACKLOG)
    await asyncio.sleep(0.2)  # the backlog's first claims are under way

    await h.send(WORKER, "/alert", settle=False)
    await button_shown(h, WORKER, "Urgent concern")
    await h.press(WORKER, "Urgent concern", settle=False)
    await button_shown(h, WORKER, "Send now")
    await h.press(WORKER, "Send now", settle=False)
    assert "URGENT CONCERN" in await next_message(h, SENIOR)

    # Every question came while the backlog was still going out at one a second.
    assert len(h.emulator.messages(STRANGER)) < BACKLOG / 10
    async with h.db.unit_of_work() as uow:
        waiting = await uow.scalar(
            select(func.count()).where(
                OutboxMessage.chat_id == STRANGER, OutboxMessage.status == "pending"
            )
        )
    assert waiting is not None and waiting > BACKLOG * 0.9


async def with_the_inbox_limit(h: Harness) -> None:
    await h.stop_bot()
    await h.start_bot(sender_limit=DEFAULT_LIMIT)


async def test_a_flood_from_a_stranger_gets_one_answer_and_is_recorded_once(
    harness: Harness,
) -> None:
    h = harness
    await with_the_inbox_limit(h)
    for _ in range(400):
        await h.send(STRANGER, "hi", settle=False)
    await h.settle(timeout=60)
    answers = h.unread(STRANGER)
    assert len(answers) == 1 and "invited" in answers[0].text
    async with h.db.unit_of_work() as uow:
        silenced = await uow.scalar(
            select(func.count()).where(AuditEvent.action == "stranger.silenced")
        )
        unread = await uow.scalar(
            select(func.count()).where(InboxUpdate.outcome == "throttled")
        )
    assert silenced == 1
    assert unread is not None and unread > 300  # settled without being routed
    h.assert_no_unexpected_messages()


async def test_a_flood_of_taps_from_a_linked_person_is_told_once_to_slow_down(
    harness: Harness,
) -> None:
    h = harness
    await with_the_inbox_limit(h)
    await h.link(CARER, "C1")
    for _ in range(170):
        await h.send(CARER, "/contacts", settle=False)
    await h.settle(timeout=60)
    texts = [m.text for m in h.unread(CARER)]
    assert texts.count(SLOW_DOWN) == 1
    assert len(texts) <= 30  # a burst of answers, the one warning, nothing more
    async with h.db.unit_of_work() as uow:
        throttled = await uow.scalar(
            select(func.count()).where(AuditEvent.action == "inbox.throttled")
        )
    assert throttled == 1
    h.assert_no_unexpected_messages()


async def test_a_flood_of_made_up_invite_links_gets_a_handful_of_answers(
    harness: Harness,
) -> None:
    h = harness
    await with_the_inbox_limit(h)
    for n in range(400):
        await h.send(STRANGER, f"/start made-up-link-{n}", settle=False)
    await h.settle(timeout=60)
    texts = [m.text for m in h.unread(STRANGER)]
    # A refusal for each bad link until the hour's lockout, the lockout once, then silence.
    assert len(texts) <= 7, texts
    assert "Too many" in texts[-1]
    h.assert_no_unexpected_messages()


async def test_a_worker_over_the_inbox_limit_still_raises_an_alert(harness: Harness) -> None:
    h = harness
    await with_the_inbox_limit(h)
    await setup(h)
    for _ in range(30):  # say the bot was down and the worker kept tapping
        await h.send(WORKER, "/contacts", settle=False)
    await h.send(WORKER, "/alert", settle=False)
    await h.settle(timeout=60)
    texts = [m.text for m in h.unread(WORKER)]
    assert SLOW_DOWN in texts and "S0" in texts[-1]  # over the limit, and the alert is asked for
    await h.press(WORKER, "Urgent concern")
    h.unread(WORKER)
    await h.press(WORKER, "Send now")
    h.unread(WORKER)
    assert "URGENT CONCERN" in h.unread(SENIOR)[-1].text
    h.unread(MANAGER)
    h.assert_no_unexpected_messages()
