"""A carer running late: only the session's worker hears, with the time; Noted tells the carer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from storage.models import AuditEvent, Session
from tests.e2e.fixtures import CARER, COORDINATOR, OTHER_WORKER, WORKER
from tests.e2e.harness import Harness

# Monday 23 November 2026 (GMT): A.B. (CH1, Casey's) has a session at 11:00 with Wren.
LATE_TODAY = "L1,coffee-hall,Room 3,2026-11-23,11:00,12:00,W1,CH1,full\n"
HEADER = "ref,venue,room,date,start,end,worker_ref,child_refs,supervision\n"


async def book_today(h: Harness, *linked: tuple[int, str]) -> None:
    """Link people, book L1, and read away the reminders already due for it."""
    for user_id, ref in linked:
        await h.link(user_id, ref)
    await h.import_records(sessions=HEADER + LATE_TODAY)
    await h.advance(timedelta(seconds=1))
    (reminder,) = h.unread(CARER)  # the 2-hour one: due at 09:00
    assert "A.B. today, Mon 23 Nov, 11:00" in reminder.text
    (briefing,) = h.unread(WORKER)
    assert "session L1" in briefing.text


async def late_actions(h: Harness) -> list[str]:
    async with h.db.unit_of_work() as uow:
        rows = await uow.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.action.like("session.late_%"))
            .order_by(AuditEvent.id)
        )
        return list(rows)


async def test_a_carer_running_late_tells_only_the_worker_who_says_they_know(
    harness: Harness,
) -> None:
    h = harness  # Monday 10:00
    await book_today(h, (CARER, "C1"), (WORKER, "W1"), (OTHER_WORKER, "W2"), (COORDINATOR, "K1"))

    await h.send(CARER, "/late")  # one session today, so it is chosen already
    (question,) = h.unread(CARER)
    assert question.text == "About how late will you be for the session at 11:00 · A.B.?"
    assert [label for label, _ in question.buttons][:3] == [
        "10 minutes late",
        "20 minutes late",
        "30+ minutes late",
    ]
    await h.press(CARER, "20 minutes")
    edited, thanks = h.unread(CARER)
    assert edited.is_edit and "✔ 20 minutes late" in edited.text
    assert thanks.text.startswith(
        "Thank you, I've told Wren you'll be about 20 minutes late (arriving about 11:20)."
    )

    (notice,) = h.unread(WORKER)
    assert notice.text == (
        "⏰ Casey (carer) is running about 20 minutes late for session L1 at 11:00 "
        "(A.B. (CH1)): expected about 11:20."
    )
    assert notice.protect_content and [label for label, _ in notice.buttons] == ["👍 Noted"]
    h.assert_no_unexpected_messages()  # not the other worker, not the coordinator

    await h.press(WORKER, "Noted")
    (edit,) = h.unread(WORKER)
    assert edit.is_edit and "✔ Noted" in edit.text and not edit.buttons
    (told,) = h.unread(CARER)
    assert told.text == "Wren knows you'll be about 20 minutes late."
    assert await late_actions(h) == ["session.late_reported", "session.late_noted"]
    h.assert_no_unexpected_messages()


async def test_a_stale_or_forged_noted_is_refused_in_one_sentence(harness: Harness) -> None:
    h = harness
    await book_today(h, (CARER, "C1"), (WORKER, "W1"), (OTHER_WORKER, "W2"))
    await h.send(CARER, "/late")
    await h.press(CARER, "10 minutes")
    h.unread(CARER)
    (notice,) = h.unread(WORKER)
    noted = dict(notice.buttons)["👍 Noted"]
    await h.press(WORKER, "Noted")
    h.unread(WORKER)
    h.unread(CARER)

    await h.press_data(WORKER, noted)  # the same notice again (an old copy of the message)
    (again,) = h.unread(WORKER)
    assert again.text == "The carer already knows this notice was seen."
    await h.press_data(OTHER_WORKER, noted)  # a notice they were never sent
    (not_theirs,) = h.unread(OTHER_WORKER)
    assert not_theirs.text == "That button doesn't match a late notice sent to you."
    await h.press_data(WORKER, "n:999999")
    assert [m.text for m in h.unread(WORKER)] == [not_theirs.text]
    await h.press_data(CARER, noted)  # a carer is never the one told
    assert [m.text for m in h.unread(CARER)] == [
        "That isn't available for your role. Send /help to see what I can do."
    ]
    assert await late_actions(h) == ["session.late_reported", "session.late_noted"]
    h.assert_no_unexpected_messages()  # the carer heard "Wren knows" once


async def test_a_carer_with_no_session_today_gets_one_clear_sentence(harness: Harness) -> None:
    h = harness  # Casey's next session (S1) is tomorrow
    await h.link(CARER, "C1")
    await h.link(WORKER, "W1")
    await h.send(CARER, "/late")
    (answer,) = h.unread(CARER)
    assert answer.text == (
        "I can't find a session today for the children you look after, so please phone the "
        f"office on {h.config.contacts.office_phone} to say you're running late."
    )
    await h.press_data(CARER, "m:late:999999")  # a forged start button: not their session
    (forged,) = h.unread(CARER)
    assert forged.text.startswith("That session has ended or was cancelled")
    await h.press_data(CARER, "m:illness:1")  # an argument on a start that takes none
    (odd,) = h.unread(CARER)
    assert odd.text == "That button is from a message I can't use any more. Tap a button below."
    assert await late_actions(h) == []
    h.assert_no_unexpected_messages()


async def test_the_reminders_running_late_button_starts_for_that_session(
    harness: Harness,
) -> None:
    h = harness
    await h.link(CARER, "C1")
    await h.link(WORKER, "W1")
    h.clock.set(datetime(2026, 11, 24, 7, 59, 50, tzinfo=UTC))
    await h.advance(timedelta(seconds=10))  # Tuesday 08:00: the 2-hour reminder for S1
    (reminder,) = h.unread(CARER)
    async with h.db.unit_of_work() as uow:
        s1 = await uow.scalar(select(Session.id).where(Session.ref == "S1"))
    assert ("⏰ Running late", f"m:late:{s1}") in reminder.buttons
    assert ("📝 Fill in the handover card", "m:handover") in reminder.buttons
    (briefing,) = h.unread(WORKER)
    assert "session S1" in briefing.text

    h.clock.set(datetime(2026, 11, 24, 9, 25, tzinfo=UTC))  # before the worker's 09:30 nudge
    await h.press(CARER, "Running late")
    assert "session at 10:00 · A.B.?" in h.unread(CARER)[-1].text
    await h.press(CARER, "30+ minutes")
    assert "about 30+ minutes late (arriving about 10:30)" in h.unread(CARER)[-1].text
    (notice,) = h.unread(WORKER)
    assert "late for session S1 at 10:00" in notice.text and "expected about 10:30" in notice.text
    h.assert_no_unexpected_messages()
