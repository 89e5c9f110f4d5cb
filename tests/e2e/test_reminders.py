"""Reminders arrive at the right local times across the clocks changing, and not when cancelled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from storage.models import AuditEvent, Session, SessionStatus
from tests.e2e.fixtures import CARER, CHILDREN, COORDINATOR, PEOPLE, WORKER
from tests.e2e.harness import Harness

# British Summer Time starts at 01:00 UTC on Sunday 29 March 2026.
AROUND_THE_CHANGE = """ref,venue,room,date,start,end,worker_ref,child_refs,supervision
R1,coffee-hall,Room 2,2026-03-30,10:00,11:00,W1,CH1,full
R2,coffee-hall,Room 3,2026-03-30,12:00,13:00,W1,CH2,full
"""


async def test_reminders_follow_local_time_across_the_change_and_skip_cancelled(
    harness: Harness,
) -> None:
    h = harness
    h.clock.set(datetime(2026, 3, 29, 16, 0, tzinfo=UTC))  # Sunday 17:00 BST
    await h.import_records(people=PEOPLE, children=CHILDREN, sessions=AROUND_THE_CHANGE)
    async with h.db.unit_of_work() as uow:
        await uow.execute(
            update(Session).where(Session.ref == "R2").values(status=SessionStatus.CANCELLED.value)
        )
    await h.link(CARER, "C1")
    await h.link(WORKER, "W1")

    await h.advance(timedelta(minutes=59, seconds=30))  # 17:59:30 BST: not yet
    h.assert_no_unexpected_messages()
    await h.advance(timedelta(seconds=30))  # 18:00 BST = 17:00 UTC
    (evening,) = h.unread(CARER)
    assert (
        "A.B. tomorrow, Mon 30 Mar, 10:00" in evening.text and "Park at the front" in evening.text
    )
    assert evening.protect_content
    h.assert_no_unexpected_messages()

    h.clock.set(datetime(2026, 3, 30, 6, 59, tzinfo=UTC))  # Monday 07:59 BST
    await h.advance(timedelta(seconds=30))
    h.assert_no_unexpected_messages()
    await h.advance(timedelta(seconds=30))  # 08:00 BST: the briefing and the carer's 2 h nudge
    (soon,) = h.unread(CARER)
    assert "A.B. today, Mon 30 Mar, 10:00" in soon.text
    briefing, cancelled = h.unread(WORKER)
    assert "session R1" in briefing.text and "A.B. (CH1)" in briefing.text
    assert "Session R2 at Mon 30 Mar, 12:00 (Coffee Hall) is cancelled" in cancelled.text
    await h.advance(timedelta(minutes=90))  # 09:30 BST: the worker's nudge before R1 only
    (nudge,) = h.unread(WORKER)
    assert "session R1" in nudge.text
    await h.advance(timedelta(hours=5))
    h.assert_no_unexpected_messages()


def send_attempts(h: Harness, chat_id: int) -> int:
    return sum(
        1
        for method, params in h.emulator.calls
        if method.lower() == "sendmessage" and str(params.get("chat_id")) == str(chat_id)
    )


async def test_a_carer_who_blocks_the_bot_gets_no_more_reminders_and_the_coordinator_knows(
    harness: Harness,
) -> None:
    h = harness  # Monday 23 Nov, 10:00 GMT; session S1 is on Tuesday at 10:00 for A.B. (CH1)
    await h.link(CARER, "C1")
    await h.link(WORKER, "W1")
    await h.link(COORDINATOR, "K1")
    h.emulator.block_bot(CARER)
    before = send_attempts(h, CARER)

    h.clock.set(datetime(2026, 11, 23, 17, 59, 50, tzinfo=UTC))
    await h.advance(timedelta(seconds=10))  # 18:00: the evening reminder meets the block
    (told,) = h.unread(COORDINATOR)
    assert "can't reach Casey Testcarer (carer): they have blocked the bot" in told.text
    assert "A.B." not in told.text and told.protect_content
    tries = send_attempts(h, CARER)
    assert tries == before + 1 and h.unread(CARER) == []

    h.clock.set(datetime(2026, 11, 24, 7, 59, 50, tzinfo=UTC))
    await h.advance(timedelta(seconds=10))  # 08:00 Tuesday: the worker's briefing goes out...
    (briefing,) = h.unread(WORKER)
    assert "session S1" in briefing.text
    assert send_attempts(h, CARER) == tries  # ...but the carer's 2 h reminder is not even tried
    async with h.db.unit_of_work() as uow:
        events = list(
            await uow.scalars(
                select(AuditEvent.action).where(AuditEvent.action.like("person.%reachable"))
            )
        )
    assert events == ["person.unreachable"]

    h.emulator.unblock_bot(CARER)
    await h.send(CARER, "hello")  # the carer comes back...
    await h.advance(timedelta(seconds=1))  # ...gets an answer, and this morning's reminder
    texts = [m.text for m in h.unread(CARER)]
    assert len(texts) == 2 and "A.B. today, Tue 24 Nov, 10:00" in texts[1]
    (back,) = h.unread(COORDINATOR)
    assert "Casey Testcarer (carer) messaged the bot again" in back.text
    h.assert_no_unexpected_messages()
