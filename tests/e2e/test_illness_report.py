"""A carer is invited, links their account and reports that a child is ill."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from storage.models import HandoverCard, IllnessReport, Session, SessionStatus
from tests.e2e.fixtures import CARER, COORDINATOR, OTHER_CARER, OTHER_WORKER, STRANGER, WORKER
from tests.e2e.harness import Harness


async def link(h: Harness, user_id: int, ref: str) -> None:
    token = await h.invite(ref)
    await h.send(user_id, f"/start {token}")
    greeting = h.unread(user_id)
    assert len(greeting) == 1 and "you're linked" in greeting[0].text


async def count_reports(h: Harness) -> int:
    async with h.db.unit_of_work() as uow:
        return int(await uow.scalar(select(func.count(IllnessReport.id))) or 0)


async def test_carer_reports_illness_and_only_the_worker_and_coordinator_hear(
    harness: Harness,
) -> None:
    h = harness
    for user_id, ref in ((CARER, "C1"), (WORKER, "W1"), (OTHER_WORKER, "W2"), (COORDINATOR, "K1")):
        await link(h, user_id, ref)

    await h.send(CARER, "/illness")
    assert h.unread(CARER)[0].text == "Which child is ill?"
    await h.press(CARER, "A.B.")
    edited, question = h.unread(CARER)
    assert "✔ A.B." in edited.text and not edited.buttons
    assert question.text.startswith("Which of A.B.'s sessions coming up could this affect?")
    assert [label for label, _ in question.buttons][:2] == ["Tue 24 Nov, 10:00", "None of them"]
    await h.press(CARER, "None of them")  # the sessions stay as they are; the team will call
    assert "pass it on" in h.unread(CARER)[-1].text
    await h.press(CARER, "Yes")
    h.unread(CARER)
    await h.send(CARER, "temperature and a cough since last night")
    summary = h.unread(CARER)[-1]
    assert "temperature and a cough" in summary.text
    await h.press(CARER, "Send")
    thanks = h.unread(CARER)[-1].text
    assert "passed this on" in thanks and "don't bring them" in thanks

    for staff in (WORKER, COORDINATOR):
        notice = h.unread(staff)
        assert len(notice) == 1
        assert "A.B. (CH1)" in notice[0].text and "S1" in notice[0].text
        assert notice[0].protect_content
        assert "Testcarer" not in notice[0].text
    assert await count_reports(h) == 1
    h.assert_no_unexpected_messages()

    h.clock.set(datetime(2026, 11, 24, 7, 59, 50, tzinfo=UTC))
    await h.advance(timedelta(seconds=10))  # Tuesday 08:00: the worker's briefing for S1
    (briefing,) = h.unread(WORKER)
    assert "session S1" in briefing.text
    assert (
        "🤒 A.B. (CH1) reported ill Mon 23 Nov, 10:00 (catching): temperature and a cough "
        "since last night" in briefing.text
    )
    (reminder,) = h.unread(CARER)  # the evening one was missed; only the 2-hour one comes
    assert "A.B. today, Tue 24 Nov, 10:00" in reminder.text
    h.assert_no_unexpected_messages()


async def test_an_invite_works_once(harness: Harness) -> None:
    h = harness
    token = await h.invite("C1")
    await h.send(CARER, f"/start {token}")
    assert "you're linked" in h.unread(CARER)[0].text
    await h.send(STRANGER, f"/start {token}")
    assert "already been used" in h.unread(STRANGER)[0].text
    h.assert_no_unexpected_messages()


async def test_a_stranger_gets_only_public_information(harness: Harness) -> None:
    h = harness
    await h.send(STRANGER, "hello, is my child's session today?")
    (reply,) = h.unread(STRANGER)
    assert "invited" in reply.text and h.config.contacts.office_phone in reply.text
    await h.send(STRANGER, "/illness")  # told a moment ago: no second answer for a while
    assert h.unread(STRANGER) == []
    await h.advance(timedelta(minutes=11))
    await h.send(STRANGER, "/illness")
    assert "invited" in h.unread(STRANGER)[0].text
    h.assert_no_unexpected_messages()


async def test_a_repeated_update_changes_nothing(harness: Harness) -> None:
    h = harness
    await link(h, CARER, "C1")
    await link(h, WORKER, "W1")
    await link(h, COORDINATOR, "K1")
    await h.send(CARER, "/illness")
    await h.press(CARER, "A.B.")
    await h.press(CARER, "None of them")
    await h.press(CARER, "No")
    await h.send(CARER, "a bit of a cold")
    send_press = await h.press(CARER, "Send")
    h.unread(CARER), h.unread(WORKER), h.unread(COORDINATOR)

    h.emulator.user_resends(send_press)
    await h.send(CARER, "/help")  # a later update proves the repeat was fetched and passed over
    assert len(h.unread(CARER)) == 1
    assert await count_reports(h) == 1
    h.assert_no_unexpected_messages()


async def test_the_carer_carries_on_after_the_bot_restarts(harness: Harness) -> None:
    h = harness
    await link(h, CARER, "C1")
    await link(h, WORKER, "W1")
    await link(h, COORDINATOR, "K1")
    await h.send(CARER, "/illness")
    await h.press(CARER, "D.E.")
    h.unread(CARER)

    await h.stop_bot()
    await h.start_bot()

    await h.press(CARER, "Not sure")
    await h.send(CARER, "was sick this morning")
    await h.press(CARER, "Send")
    assert "passed this on" in h.unread(CARER)[-1].text
    assert "D.E. (CH2)" in h.unread(COORDINATOR)[0].text
    # D.E. has no session booked, so only the coordinator hears.
    h.assert_no_unexpected_messages()


async def test_carer_fills_in_the_handover_card_and_only_the_worker_reads_it(
    harness: Harness,
) -> None:
    h = harness
    for user_id, ref in ((CARER, "C1"), (WORKER, "W1"), (OTHER_CARER, "C2")):
        await link(h, user_id, ref)

    await h.send(OTHER_CARER, "/handover")  # their session is the day after tomorrow
    (nothing,) = h.unread(OTHER_CARER)
    assert "can't find a session in the next 2 days for the children" in nothing.text

    await h.send(CARER, "/handover")  # one session in reach (S1, tomorrow), so no choice to make
    assert "marks or bruises on A.B. already" in h.unread(CARER)[-1].text
    await h.press(CARER, "No marks")
    assert "last bottle or meal" in h.unread(CARER)[-1].text
    await h.send(CARER, "bottle 8:30, nappy 9:15")
    h.unread(CARER)
    await h.send(CARER, "happy, slept well")
    h.unread(CARER)
    await h.press(CARER, "No medicine")
    summary = h.unread(CARER)[-1].text
    assert "Marks or bruises: none" in summary and "Medicine: none" in summary
    await h.press(CARER, "Send to the worker")
    assert "Wren will read this before the session" in h.unread(CARER)[-1].text
    (card,) = h.unread(WORKER)
    assert "Handover card for session S1" in card.text and "A.B. (CH1)" in card.text
    assert "Last feed and nappy: bottle 8:30, nappy 9:15" in card.text
    assert "Health and mood: happy, slept well" in card.text
    assert card.protect_content and "Testcarer" not in card.text
    h.assert_no_unexpected_messages()

    h.clock.set(datetime(2026, 11, 24, 7, 59, 50, tzinfo=UTC))
    await h.advance(timedelta(seconds=10))  # Tuesday 08:00: the briefing carries the card
    (briefing,) = h.unread(WORKER)
    assert "Handover card in at 10:00" in briefing.text and "bottle 8:30" in briefing.text
    (reminder,) = h.unread(CARER)
    assert ("📝 Fill in the handover card", "m:handover") in reminder.buttons
    await h.press(CARER, "Fill in the handover card")  # the reminder's button starts a new card
    assert "marks or bruises on A.B. already" in h.unread(CARER)[-1].text
    await h.send(CARER, "/cancel")
    assert "Nothing was sent" in h.unread(CARER)[-1].text
    h.assert_no_unexpected_messages()


async def test_a_handover_card_for_a_session_cancelled_meanwhile_is_not_sent(
    harness: Harness,
) -> None:
    h = harness
    for user_id, ref in ((CARER, "C1"), (WORKER, "W1")):
        await link(h, user_id, ref)
    await h.send(CARER, "/handover")
    await h.press(CARER, "No marks")
    await h.send(CARER, "bottle 8:30")
    await h.send(CARER, "happy")
    await h.press(CARER, "No medicine")
    h.unread(CARER)
    async with h.db.unit_of_work() as uow:  # the team cancels S1 while the carer checks
        await uow.execute(
            update(Session).where(Session.ref == "S1").values(status=SessionStatus.CANCELLED.value)
        )

    await h.press(CARER, "Send to the worker")

    answer = h.unread(CARER)[-1].text
    assert "was cancelled, so the card wasn't sent" in answer and "phone" in answer
    async with h.db.unit_of_work() as uow:
        assert await uow.scalar(select(func.count(HandoverCard.id))) == 0
    h.assert_no_unexpected_messages()  # the worker got nothing
