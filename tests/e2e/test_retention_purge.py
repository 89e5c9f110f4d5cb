"""Handled updates and delivered messages are purged by the scheduler once their time is up."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from storage.models import AuditEvent, InboxUpdate, OutboxMessage
from tests.e2e.fixtures import CARER, STRANGER
from tests.e2e.harness import Harness


async def _counts(h: Harness) -> tuple[int, int, int]:
    async with h.db.unit_of_work() as uow:
        inbox = await uow.scalar(select(func.count()).select_from(InboxUpdate))
        outbox = await uow.scalar(select(func.count()).select_from(OutboxMessage))
        audit = await uow.scalar(select(func.count()).select_from(AuditEvent))
    return int(inbox or 0), int(outbox or 0), int(audit or 0)


async def test_the_scheduler_purges_handled_updates_and_sent_messages_after_thirty_days(
    harness: Harness,
) -> None:
    h = harness
    await h.send(CARER, f"/start {await h.invite('C1')}")
    await h.send(STRANGER, "hello")
    h.unread(CARER)
    h.unread(STRANGER)
    inbox, outbox, audit = await _counts(h)
    assert inbox == 2 and outbox >= 2

    await h.advance(timedelta(days=29))
    assert (await _counts(h))[:2] == (inbox, outbox)  # not yet
    await h.advance(timedelta(days=1, hours=1))
    await h.send(STRANGER, "hello again")  # a new update, and its reply, stay
    assert "Family Time" in h.unread(STRANGER)[0].text

    inbox_now, outbox_now, audit_now = await _counts(h)
    assert (inbox_now, outbox_now) == (1, 1)
    assert audit_now >= audit  # the timeline is never purged
    h.assert_no_unexpected_messages()
