"""A carer calls off a session: the worker, the coordinator and the social worker are told,
late notice and repeated refusals are flagged, and no reminder follows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from storage.models import AuditEvent, OutboxMessage, Person, Priority, Session
from tests.e2e.fixtures import CARER, COORDINATOR, OTHER_CARER, WORKER
from tests.e2e.harness import Harness

SOCIAL_WORKER = 7005  # Sam (SW1), the social worker of every child in the fixtures
HEADER = "ref,venue,room,date,start,end,worker_ref,child_refs,supervision\n"
# Two more sessions for A.B. (CH1, Casey's), later in the week.
LATER_IN_WEEK = (
    "R1,coffee-hall,Room 2,2026-11-26,10:00,11:00,W1,CH1,full\n"
    "R2,coffee-hall,Room 2,2026-11-27,10:00,11:00,W1,CH1,full\n"
)


async def link_everyone(h: Harness) -> None:
    for user_id, ref in (
        (CARER, "C1"),
        (WORKER, "W1"),
        (COORDINATOR, "K1"),
        (SOCIAL_WORKER, "SW1"),
        (OTHER_CARER, "C2"),
    ):
        await h.link(user_id, ref)


async def session_id(h: Harness, ref: str) -> int:
    async with h.db.unit_of_work() as uow:
        found = await uow.scalar(select(Session.id).where(Session.ref == ref))
        assert found is not None
        return found


async def session_row(h: Harness, ref: str) -> Session:
    async with h.db.unit_of_work() as uow:
        found = await uow.scalar(select(Session).where(Session.ref == ref))
        assert found is not None
        return found


async def cancellations(h: Harness) -> list[dict[str, object]]:
    async with h.db.unit_of_work() as uow:
        rows = await uow.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "session.cancelled")
            .order_by(AuditEvent.id)
        )
        return [dict(event.details) for event in rows]


async def test_a_carer_calls_off_a_session_and_the_worker_coordinator_and_social_worker_hear(
    harness: Harness,
) -> None:
    h = harness  # Monday 10:00: S1 is tomorrow at 10:00, 24 hours away, so not late notice
    await link_everyone(h)
    async with h.db.unit_of_work() as uow:  # a reminder queued for S1 but not sent yet
        carer = await uow.scalar(select(Person.id).where(Person.ref == "C1"))
        s1 = await uow.scalar(select(Session.id).where(Session.ref == "S1"))
        waiting = OutboxMessage(
            dedupe_key=f"reminder:{s1}:202611241000:carer-soon:person:{carer}",
            person_id=carer,
            payload={"kind": "send", "text": "📅 Reminder: held back", "keyboard": []},
            priority=Priority.REMINDER.value,
            created_at=h.clock.now(),
            not_before=h.clock.now() + timedelta(hours=6),
        )
        uow.add(waiting)

    await h.send(CARER, "/cantcome")  # one session coming up (S1), so it is chosen already
    (question,) = h.unread(CARER)
    assert question.text.startswith("Why can't the session at Tue 24 Nov, 10:00 · A.B. go ahead?")
    assert [label for label, _ in question.buttons][:5] == [
        "🤒 Child unwell",
        "🚗 Transport problem",
        "🩺 Child's appointment",
        "🙅 Child doesn't want to go",
        "✍️ Something else",
    ]
    await h.press(CARER, "Child unwell")
    _edited, summary = h.unread(CARER)
    assert "Session: Tue 24 Nov, 10:00 · A.B." in summary.text
    assert "Why: 🤒 Child unwell" in summary.text
    await h.press(CARER, "Yes, call it off")
    _edited, thanks = h.unread(CARER)
    assert thanks.text.startswith(
        "Thank you. The session on Tue 24 Nov, 10:00 is cancelled; I've told the worker, the "
        "Family Time team and the social worker. You won't get reminders for it."
    )

    notice = (
        "❌ Session S1 on Tue 24 Nov, 10:00 (Coffee Hall, Room 2) is cancelled.\n"
        "Children: A.B. (CH1)\n"
        "Called off by Casey (carer) at Mon 23 Nov, 10:00: the child is unwell."
    )
    for staff in (WORKER, COORDINATOR, SOCIAL_WORKER):
        (told,) = h.unread(staff)
        assert told.text == notice, staff  # no LATE NOTICE: a full day ahead
        assert told.protect_content and "Testcarer" not in told.text
    h.assert_no_unexpected_messages()  # not the other carer

    row = await session_row(h, "S1")
    assert row.status == "cancelled" and row.cancel_reason == "unwell"
    assert row.cancelled_at == datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    (event,) = await cancellations(h)
    assert event["late_notice"] is False and event["reminders_withdrawn"] == 1
    async with h.db.unit_of_work() as uow:
        held = await uow.get(OutboxMessage, waiting.id)
        assert held is None  # withdrawn: it will not go

    # No reminder follows: not the evening one, not the one held back, not the 2-hour one.
    await h.advance(timedelta(hours=8))  # Monday 18:00
    h.clock.set(datetime(2026, 11, 24, 7, 59, 50, tzinfo=UTC))
    await h.advance(timedelta(seconds=10))  # Tuesday 08:00
    (briefing,) = h.unread(WORKER)  # the worker's morning line says it is off
    assert briefing.text.startswith("❌ Session S1 at Tue 24 Nov, 10:00") and "cancelled" in (
        briefing.text
    )
    await h.advance(timedelta(minutes=90))  # past the worker's nudge, to the start
    assert h.unread(CARER) == []
    h.assert_no_unexpected_messages()


async def test_the_reminders_cant_make_it_button_calls_off_that_session_with_late_notice(
    harness: Harness,
) -> None:
    h = harness
    await link_everyone(h)
    h.clock.set(datetime(2026, 11, 24, 7, 59, 50, tzinfo=UTC))
    await h.advance(timedelta(seconds=10))  # Tuesday 08:00: the 2-hour reminder for S1
    (reminder,) = h.unread(CARER)
    s1 = await session_id(h, "S1")
    assert ("❌ Can't make it", f"m:cantcome:{s1}") in reminder.buttons
    assert ("⏰ Running late", f"m:late:{s1}") in reminder.buttons
    (briefing,) = h.unread(WORKER)
    assert "session S1" in briefing.text

    await h.press(CARER, "Can't make it")
    (question,) = h.unread(CARER)
    assert question.text.startswith("Why can't the session at Tue 24 Nov, 10:00 · A.B.")
    old_reason = dict(question.buttons)["🚗 Transport problem"]
    await h.press(CARER, "Something else")
    _edited, ask_note = h.unread(CARER)
    assert ask_note.text.startswith("In a few words, why can't it go ahead?")

    # Bad input at this step: each gets one sentence, and the answers so far are kept.
    await h.press_on(CARER, question.message_id, old_reason)  # a button already answered
    stale = [m.text for m in h.unread(CARER) if not m.is_edit]
    assert stale[0] == "That button is from an earlier message; please use the one below."
    assert stale[1].startswith("In a few words, why can't it go ahead?")
    await h.send_media(CARER, "photo")
    (*_, photo) = h.unread(CARER)
    assert photo.text.startswith(
        "I can't pass on photos, so nobody will see it. Please type a few words about it instead."
    )
    await h.send(CARER, "x" * 201)
    (*_, too_long) = h.unread(CARER)
    assert too_long.text.startswith(
        "That's 201 characters; please send a shorter version (up to 200)."
    )
    await h.send(CARER, "our car has broken down")
    summary = h.unread(CARER)[-1].text
    assert "Why: ✍️ Something else" in summary and "In your words: our car has broken down" in (
        summary
    )
    await h.press(CARER, "Yes, call it off")
    assert "is cancelled" in h.unread(CARER)[-1].text

    base = (
        "❌ Session S1 on Tue 24 Nov, 10:00 (Coffee Hall, Room 2) is cancelled.\n"
        "Children: A.B. (CH1)\n"
        "Called off by Casey (carer) at Tue 24 Nov, 08:00: another reason.\n"
        "In their words: our car has broken down"
    )
    assert [m.text for m in h.unread(WORKER)] == [base]  # no morning line as well
    (to_coordinator,) = h.unread(COORDINATOR)
    assert to_coordinator.text == f"⚠️ LATE NOTICE: called off 2 hours before the start.\n{base}"
    (to_social_worker,) = h.unread(SOCIAL_WORKER)
    assert to_social_worker.text == base
    (event,) = await cancellations(h)
    assert event["late_notice"] is True and event["reason"] == "other"

    await h.press_data(CARER, f"m:cantcome:{s1}")  # the reminder's button again
    (again,) = h.unread(CARER)
    assert again.text.startswith("That session has started, ended or was cancelled")
    h.assert_no_unexpected_messages()


async def test_a_child_refusing_again_is_flagged_to_the_social_worker(harness: Harness) -> None:
    h = harness
    await link_everyone(h)
    await h.import_records(sessions=HEADER + LATER_IN_WEEK)

    async def refuse(label: str) -> None:
        await h.send(CARER, "/cantcome")
        assert h.unread(CARER)[-1].text == "Which session can't you make?"
        await h.press(CARER, label)
        await h.press(CARER, "doesn't want to go")
        await h.press(CARER, "Yes, call it off")
        assert "is cancelled" in h.unread(CARER)[-1].text

    await refuse("Thu 26 Nov, 10:00")
    first = [h.unread(who)[0].text for who in (WORKER, COORDINATOR, SOCIAL_WORKER)]
    assert all("R1" in text and "Repeated" not in text for text in first)
    assert first[2].endswith("the child doesn't want to go.")

    await h.advance(timedelta(hours=12))  # Monday 22:00
    (evening,) = h.unread(CARER)  # S1's evening reminder (18:00) came while time moved on
    assert "Reminder" in evening.text
    await refuse("Fri 27 Nov, 10:00")
    flag = "⚠️ Repeated refusal: A.B. (CH1) didn't want to go 2 times in the last 28 days."
    (to_social_worker,) = h.unread(SOCIAL_WORKER)
    assert "Session R2" in to_social_worker.text and to_social_worker.text.endswith(flag)
    (to_coordinator,) = h.unread(COORDINATOR)
    assert to_coordinator.text.endswith(flag)
    (to_worker,) = h.unread(WORKER)
    assert "Repeated" not in to_worker.text
    refusals = [event["repeated_refusals"] for event in await cancellations(h)]
    assert refusals == [{}, {"CH1": 2}]
    h.assert_no_unexpected_messages()


async def test_a_carer_never_sees_or_calls_off_another_carers_session(harness: Harness) -> None:
    h = harness
    await link_everyone(h)
    await h.import_records(sessions=HEADER + LATER_IN_WEEK)
    s1 = await session_id(h, "S1")

    await h.send(OTHER_CARER, "/cantcome")  # Carmen looks after F.G. only: S2 is all she sees
    (question,) = h.unread(OTHER_CARER)
    assert question.text.startswith("Why can't the session at Wed 25 Nov, 14:00 · F.G.")
    await h.send(OTHER_CARER, "/cancel")
    assert "You've left the form. Nothing was sent." in h.unread(OTHER_CARER)[-1].text

    await h.press_data(OTHER_CARER, f"m:cantcome:{s1}")  # forged: Casey's session
    (forged,) = h.unread(OTHER_CARER)
    assert forged.text.startswith("That session has started, ended or was cancelled")
    await h.press_data(WORKER, f"m:cantcome:{s1}")  # not a carer's button to press
    assert h.unread(WORKER)[-1].text.startswith("That isn't available for your role.")

    await h.send(CARER, "/cantcome")  # Casey has three: forged choice data is refused too
    (which,) = h.unread(CARER)
    assert [label for label, _ in which.buttons][:3] == [
        "Tue 24 Nov, 10:00 · A.B.",
        "Thu 26 Nov, 10:00 · A.B.",
        "Fri 27 Nov, 10:00 · A.B.",
    ]
    nonce = which.buttons[0][1].split(":")[1]
    s2 = await session_id(h, "S2")
    await h.press_data(CARER, f"f:{nonce}:{s2}")
    _retired, refused = h.unread(CARER)
    assert refused.text.startswith("Please tap one of the buttons below (or send /cancel to stop).")
    assert refused.text.endswith("Which session can't you make?")
    await h.send(CARER, "/cancel")  # midway: nothing is called off, nobody is told
    assert "You've left the form. Nothing was sent." in h.unread(CARER)[-1].text

    for ref in ("S1", "S2"):
        assert (await session_row(h, ref)).status == "scheduled"
    assert await cancellations(h) == []
    h.assert_no_unexpected_messages()


async def test_the_other_carer_of_a_shared_session_is_told_without_the_reason(
    harness: Harness,
) -> None:
    h = harness  # J1 brings A.B. (Casey's) and F.G. (Carmen's) together on Wednesday
    await h.import_records(
        sessions=HEADER + "J1,coffee-hall,Room 3,2026-11-25,10:00,11:00,W1,CH1;CH3,full\n"
    )
    await link_everyone(h)
    await h.send(CARER, "/cantcome")
    await h.press(CARER, "Wed 25 Nov")
    await h.press(CARER, "Transport problem")
    await h.press(CARER, "Yes, call it off")
    assert h.unread(CARER)[-1].text.startswith("Thank you. The session on Wed 25 Nov, 10:00")
    for staff in (WORKER, COORDINATOR, SOCIAL_WORKER):
        (told,) = h.unread(staff)
        assert told.text.startswith("❌ Session J1 on Wed 25 Nov, 10:00 (Coffee Hall, Room 3)")

    (other,) = h.unread(OTHER_CARER)  # Carmen would otherwise bring F.G. to a cancelled session
    assert other.text == (
        "❌ The session for F.G. on Wed 25 Nov, 10:00 at Coffee Hall, Room 3 is cancelled. "
        "Please don't come in for it; no reminders will come for it.\n"
        "If you have questions about it, please ask the children's social worker or the office "
        "on 01632 960001."
    )
    assert other.protect_content and "A.B." not in other.text and "Casey" not in other.text
    h.assert_no_unexpected_messages()
    (event,) = await cancellations(h)
    assert len(event["told"]) == 4  # type: ignore[arg-type]
