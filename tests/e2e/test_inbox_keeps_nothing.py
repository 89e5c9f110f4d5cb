"""The inbox keeps what exactly-once needs and nothing else: no invite token, no message text."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import IllnessReport, InboxUpdate
from tests.database_text import database_text, table_text
from tests.e2e.fixtures import CARER, STRANGER
from tests.e2e.harness import Harness

ILLNESS = "Fictional rash on Tuesday, unit seven"


async def _inbox(h: Harness) -> list[InboxUpdate]:
    async with h.db.unit_of_work() as uow:
        return list(await uow.scalars(select(InboxUpdate).order_by(InboxUpdate.update_id)))


async def test_an_invite_token_is_nowhere_in_the_database_after_linking(harness: Harness) -> None:
    h = harness
    token = await h.invite("C1")
    wrong = "not-a-real-invite-token-0123456789"
    await h.send(CARER, f"/start {token}")
    assert "you're linked" in h.unread(CARER)[0].text
    await h.send(STRANGER, f"/start {wrong}")
    assert "isn't valid" in h.unread(STRANGER)[0].text

    dump = await database_text(h.db)
    assert token not in dump and wrong not in dump
    rows = await _inbox(h)
    assert [(row.telegram_user_id, row.outcome) for row in rows] == [
        (CARER, "linked"),
        (STRANGER, "invite_unknown"),
    ]
    assert all(row.event == {} and row.processed_at is not None for row in rows)
    h.assert_no_unexpected_messages()


async def test_an_illness_report_leaves_no_text_in_the_inbox(harness: Harness) -> None:
    h = harness
    await h.send(CARER, f"/start {await h.invite('C1')}")
    await h.send(CARER, "/illness")
    await h.press(CARER, "A.B.")
    await h.press(CARER, "None of them")  # which sessions it affects
    await h.press(CARER, "Yes")
    await h.send(CARER, ILLNESS)
    await h.press(CARER, "Send")
    assert "passed this on" in h.unread(CARER)[-1].text

    inbox = await table_text(h.db, InboxUpdate.__table__)  # type: ignore[arg-type]
    assert ILLNESS not in inbox and "/illness" not in inbox
    rows = await _inbox(h)
    assert len(rows) == 7 and all(row.event == {} for row in rows)
    async with h.db.unit_of_work() as uow:  # what was said lives on where it was used
        assert await uow.scalar(select(IllnessReport.description)) == ILLNESS
    h.assert_no_unexpected_messages()
