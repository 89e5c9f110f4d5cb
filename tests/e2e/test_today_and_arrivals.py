"""/today for a worker (needs and risks behind Details), marking arrivals, and the 15-minute
rule: no parent by the deadline, the worker is asked once; Cancel tells the carer, the social
worker and the coordinator; Wait is recorded; a second no-show is flagged."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from storage.models import Session, SessionEvent
from tests.e2e.fixtures import CARER, COORDINATOR, OTHER_WORKER, WORKER
from tests.e2e.harness import Harness

SOCIAL_WORKER = 7005  # Sam (SW1), the social worker of every child in the fixtures
CHILDREN = """ref,initials,social_worker_ref,carer_refs,needs,risks
CH1,A.B.,SW1,C1,Asthma: inhaler in the bag,Parent may try to leave with the child
CH2,D.E.,SW1,C1,,
CH3,F.G.,SW1,C2,,
"""
HEADER = (
    "ref,venue,room,date,start,end,worker_ref,child_refs,supervision,status,attendees,no_meet,"
    "parent_arrives,parent_leaves,carer_arrives,carer_leaves\n"
)
# Monday 23 November 2026 (GMT), 10:00 now: A.B. (CH1, Casey's) has T1 at 11:00 with Wren.
T1 = (
    "T1,coffee-hall,Room 3,2026-11-23,11:00,12:00,W1,CH1,full,,M.B.:PA-101,yes,"
    "10:30,12:15,10:45,12:00\n"
)
T2 = "T2,coffee-hall,Room 3,2026-11-23,14:00,15:00,W1,CH1,full,,M.B.:PA-101,,,,,\n"
REFUSED_ROLE = "That isn't available for your role. Send /help to see what I can do."


async def book_today(h: Harness, *linked: tuple[int, str], sessions: str = T1) -> None:
    """Link people, book today's sessions, and read away the reminders already due (the
    carer's and the worker's briefing, one per session)."""
    for user_id, ref in linked:
        await h.link(user_id, ref)
    await h.import_records(children=CHILDREN, sessions=HEADER + sessions)
    await h.advance(timedelta(seconds=1))
    count = sessions.count("\n")
    reminders = h.unread(CARER)  # T1's 2-hour one (due at 09:00); T2's evening one
    assert len(reminders) == count
    # T1: the parent and carer must not meet, so the carer hears their own times, not 11:00.
    assert reminders[0].text.startswith(
        "📅 Reminder: family time for A.B. today, Mon 23 Nov: please arrive at 10:45, not "
        "before, and collect at 12:00 (you and the parent must not meet)\nCoffee Hall, Room 3\n"
    )
    assert "11:00" not in reminders[0].text
    briefings = h.unread(WORKER)
    assert len(briefings) == count and "session T1" in briefings[0].text


async def session_id(h: Harness, ref: str) -> int:
    async with h.db.unit_of_work() as uow:
        found = await uow.scalar(select(Session.id).where(Session.ref == ref))
        assert found is not None
        return found


async def timeline(h: Harness, ref: str) -> list[tuple[str, str | None]]:
    async with h.db.unit_of_work() as uow:
        rows = await uow.scalars(
            select(SessionEvent)
            .join(Session, Session.id == SessionEvent.session_id)
            .where(Session.ref == ref)
            .order_by(SessionEvent.id)
        )
        return [(row.kind, row.note) for row in rows]


async def test_today_shows_the_workers_sessions_and_details_only_to_those_who_may_see_them(
    harness: Harness,
) -> None:
    h = harness
    await book_today(h, (WORKER, "W1"), (OTHER_WORKER, "W2"), (CARER, "C1"), (COORDINATOR, "K1"))
    await h.send(WORKER, "/today")  # S1 (tomorrow) is not today's
    (card,) = h.unread(WORKER)
    assert card.text == (
        "📋 11:00–12:00 · session T1\n"
        "Coffee Hall, Room 3\n"
        "Children: A.B. (CH1)\n"
        "Attending: M.B. (PA-101)\n"
        "Supervision: full\n"
        "📝 No handover card yet: ask the carer on arrival."
    )
    assert card.protect_content
    assert [label for label, _ in card.buttons] == [
        "🔎 Details",
        "🙋 Parent arrived",
        "🧒 Child arrived",
        "▶️ Started",
        "👋 Parent left",
        "🏠 Child handed back",
    ]
    assert "Asthma" not in card.text  # needs and risks only behind Details
    details_data = dict(card.buttons)["🔎 Details"]

    await h.press(WORKER, "Details")
    (details,) = h.unread(WORKER)
    assert details.protect_content
    assert details.text == (
        "🔎 Session T1, Mon 23 Nov, 11:00: what to know\n"
        "Supervision: full\n"
        "A.B. (CH1):\n"
        "  Needs: Asthma: inhaler in the bag\n"
        "  Risks: Parent may try to leave with the child\n"
        "Attending: M.B. (PA-101)\n"
        "🚫 Parent and carer must not meet: parent arrives 10:30, leaves 12:15; "
        "carer arrives 10:45, leaves 12:00."
    )

    await h.press_data(OTHER_WORKER, details_data)  # another worker's session
    (refused,) = h.unread(OTHER_WORKER)
    assert refused.text == (
        "Only the session's worker, the coordinators and seniors can see its details."
    )
    await h.press_data(CARER, details_data)
    assert [m.text for m in h.unread(CARER)] == [REFUSED_ROLE]
    await h.press_data(COORDINATOR, details_data)
    (for_coordinator,) = h.unread(COORDINATOR)
    assert for_coordinator.text == details.text and for_coordinator.protect_content
    for forged in ("t:d:999999", "t:zz:1", "t:d:12x"):
        await h.press_data(WORKER, forged)
        (unknown,) = h.unread(WORKER)
        assert unknown.text == (
            "That button doesn't match a session I know; send /today to see your sessions."
        )
    await h.send(OTHER_WORKER, "/today")
    assert [m.text for m in h.unread(OTHER_WORKER)] == ["You have no sessions today."]
    await h.send(CARER, "/today")
    assert len(h.unread(CARER)) == 1  # not a carer's command: one sentence
    h.assert_no_unexpected_messages()


async def test_the_worker_marks_arrivals_once_each_and_a_parent_here_is_not_asked_about(
    harness: Harness,
) -> None:
    h = harness
    await book_today(h, (WORKER, "W1"), (OTHER_WORKER, "W2"), (CARER, "C1"))
    await h.send(WORKER, "/today")
    (card,) = h.unread(WORKER)
    await h.press(WORKER, "Parent arrived")
    (marked,) = h.unread(WORKER)
    assert marked.text == "✔ Parent arrived: marked at 10:00 (session T1)."
    h.clock.advance(timedelta(minutes=3))
    await h.press(WORKER, "Parent arrived")  # a second tap
    (again,) = h.unread(WORKER)
    assert again.text == "Parent arrived was already marked at 10:00 (session T1)."
    await h.press(WORKER, "Child arrived")
    (child,) = h.unread(WORKER)
    assert child.text == "✔ Child arrived (with the carer): marked at 10:03 (session T1)."
    await h.press_data(OTHER_WORKER, dict(card.buttons)["▶️ Started"])
    (refused,) = h.unread(OTHER_WORKER)
    assert refused.text == (
        "Only the session's worker can mark arrivals for it; send /today to see yours."
    )
    assert await timeline(h, "T1") == [("parent_arrived", None), ("child_arrived", None)]

    await h.send(WORKER, "/today")
    (card,) = h.unread(WORKER)
    assert card.text.endswith("Marked: Parent arrived 10:00 · Child arrived (with the carer) 10:03")

    await h.advance(timedelta(minutes=50))  # 10:53: past the deadline, the parent is here
    (nudge,) = h.unread(WORKER)  # only the 30-minute nudge, no question about the parent
    assert "session T1" in nudge.text
    h.assert_no_unexpected_messages()


async def reach_the_question(h: Harness) -> None:
    """From 10:00 to the deadline (10:45): asked once, also after a restart."""
    await h.advance(timedelta(minutes=30))  # 10:30: the worker's nudge
    (nudge,) = h.unread(WORKER)
    assert "session T1" in nudge.text
    await h.advance(timedelta(minutes=14, seconds=58))
    assert h.unread(WORKER) == []  # 10:44:59: not yet
    await h.advance(timedelta(seconds=2))
    (question,) = h.unread(WORKER)
    assert question.text == (
        "⏳ Parent not here: session T1 at 11:00 (Coffee Hall, Room 3; A.B. (CH1)) has no "
        "parent's arrival marked, and parents must be here 15 minutes before the start. "
        "Cancel the session, or wait?"
    )
    assert question.protect_content
    assert [label for label, _ in question.buttons] == [
        "❌ Cancel the session",
        "⏳ Wait",
        "🙋 Parent arrived",
    ]
    await h.stop_bot()
    await h.start_bot()
    await h.advance(timedelta(seconds=30))
    assert h.unread(WORKER) == []  # once, across the restart


async def test_no_parent_by_the_deadline_the_worker_cancels_and_everyone_is_told_once(
    harness: Harness,
) -> None:
    h = harness
    await book_today(h, (WORKER, "W1"), (CARER, "C1"), (COORDINATOR, "K1"), (SOCIAL_WORKER, "SW1"))
    await reach_the_question(h)
    question_id = h.emulator.messages(WORKER)[-1].message_id
    cancel = dict(h.emulator.messages(WORKER)[-1].buttons)["❌ Cancel the session"]

    await h.press(WORKER, "Cancel the session")
    edited, reply = h.unread(WORKER)
    assert edited.is_edit and edited.text.endswith("❌ Cancelled at 10:45.") and not edited.buttons
    assert reply.text == (
        "❌ Session T1 is cancelled: the parent didn't arrive in time. I've told the carer, "
        "the social worker and the Family Time team."
    )
    (to_carer,) = h.unread(CARER)
    assert to_carer.text == (  # T1 is no-meet: the carer's own time, never the start
        "❌ Family time for A.B. today at 10:45 (Coffee Hall, Room 3) is cancelled: the parent "
        "didn't arrive in time. Please don't bring the child in. Questions about it go to the "
        "social worker."
    )
    staff_notice = (
        "❌ Session T1 on Mon 23 Nov, 11:00 (Coffee Hall, Room 3) is cancelled.\n"
        "Children: A.B. (CH1)\n"
        "Called off by Wren (worker) at Mon 23 Nov, 10:45: the parent didn't "
        "arrive in time (15-minute rule)."
    )
    (to_coordinator,) = h.unread(COORDINATOR)
    assert to_coordinator.text == staff_notice and to_coordinator.protect_content
    (to_social_worker,) = h.unread(SOCIAL_WORKER)
    assert to_social_worker.text == staff_notice  # a first no-show: not flagged
    async with h.db.unit_of_work() as uow:
        t1 = await uow.scalar(select(Session).where(Session.ref == "T1"))
        assert t1 is not None and t1.status == "cancelled" and t1.cancel_reason == "parent_late"

    await h.press_on(WORKER, question_id, cancel)  # an old copy of the question
    (stale,) = h.unread(WORKER)
    assert stale.text == "Session T1 is no longer going ahead (cancelled or over)."
    await h.advance(timedelta(minutes=5))
    h.assert_no_unexpected_messages()  # no reminder, no second question


async def test_the_worker_waits_for_the_parent_with_a_few_words_on_the_timeline(
    harness: Harness,
) -> None:
    h = harness
    await book_today(h, (WORKER, "W1"), (CARER, "C1"), (COORDINATOR, "K1"), (SOCIAL_WORKER, "SW1"))
    await reach_the_question(h)
    await h.press(WORKER, "Wait")
    edited, ask = h.unread(WORKER)
    assert edited.is_edit and edited.text.endswith("⏳ Waiting.") and not edited.buttons
    assert ask.text.startswith(
        "You're waiting for the parent at session T1. In a few words, why? (optional)"
    )
    await h.send(WORKER, "She phoned: parking, 5 minutes away")
    *_, done = h.unread(WORKER)
    assert done.text.startswith("⏳ Noted at 10:45: you're waiting for the parent (session T1).")
    assert await timeline(h, "T1") == [("waited_for_parent", "She phoned: parking, 5 minutes away")]
    await h.press_data(WORKER, f"pq:w:{await session_id(h, 'T1')}")  # Wait again
    (already,) = h.unread(WORKER)
    assert already.text.endswith("⏳ You chose to wait at 10:45.")
    h.assert_no_unexpected_messages()  # the carer, coordinator, social worker hear nothing


async def test_a_second_no_show_is_flagged_to_the_social_worker_and_the_coordinator(
    harness: Harness,
) -> None:
    h = harness
    await book_today(
        h,
        (WORKER, "W1"),
        (CARER, "C1"),
        (COORDINATOR, "K1"),
        (SOCIAL_WORKER, "SW1"),
        sessions=T1 + T2,
    )
    await reach_the_question(h)
    await h.press(WORKER, "Cancel the session")
    assert len(h.unread(WORKER)) == 2
    for person in (CARER, COORDINATOR, SOCIAL_WORKER):
        assert len(h.unread(person)) == 1

    await h.advance(timedelta(hours=3))  # 13:45: T2's question (after its reminders)
    question, nudge = sorted(h.unread(WORKER), key=lambda m: not m.buttons)  # either order
    assert question.text.startswith("⏳ Parent not here: session T2 at 14:00")
    assert nudge.text.startswith("🗓 Wren: session T2")  # the 30-minute nudge
    (carer_reminder,) = h.unread(CARER)  # the 2-hour one for T2, at 12:00
    assert "14:00" in carer_reminder.text
    await h.press(WORKER, "Cancel the session")
    assert len(h.unread(WORKER)) == 2
    (to_carer,) = h.unread(CARER)
    assert "today at 14:00" in to_carer.text
    flag = (
        "⚠️ Repeated no-show: the parent didn't arrive in time for A.B. (CH1)'s session "
        "2 times in the last 28 days."
    )
    (to_social_worker,) = h.unread(SOCIAL_WORKER)
    assert to_social_worker.text.endswith(flag)
    (to_coordinator,) = h.unread(COORDINATOR)
    assert to_coordinator.text.endswith(flag)
    h.assert_no_unexpected_messages()


async def test_parent_left_a_no_meet_session_the_carer_is_told_to_come_in_once(
    harness: Harness,
) -> None:
    h = harness
    await book_today(h, (WORKER, "W1"), (CARER, "C1"), (COORDINATOR, "K1"), sessions=T1 + T2)
    await h.send(CARER, "/mysessions")
    (mine,) = h.unread(CARER)
    assert (
        "📅 Mon 23 Nov, 10:45–12:00 (your own times: arrive not before, so you and the parent "
        "don't meet) · A.B. · going ahead\n    Coffee Hall, Room 3 · with Wren"
    ) in mine.text
    assert "Mon 23 Nov, 14:00–15:00 · A.B. · going ahead" in mine.text  # T2: the usual times
    assert "11:00" not in mine.text

    await h.press_data(WORKER, f"t:pl:{await session_id(h, 'T1')}")  # a slip: not here yet
    (too_soon,) = h.unread(WORKER)
    assert too_soon.text == (
        "Parent arrived isn't marked yet (session T1): tap Parent arrived first, then Parent left."
    )
    assert h.unread(CARER) == []  # nobody is told to come in while the parent may be on the way
    for ref in ("T1", "T2"):
        await h.press_data(WORKER, f"t:pa:{await session_id(h, ref)}")
        h.unread(WORKER)
    await h.press_data(WORKER, f"t:pl:{await session_id(h, 'T1')}")
    (marked,) = h.unread(WORKER)
    assert marked.text == (
        "✔ Parent left: marked at 10:00 (session T1). The carer is told they can come in now."
    )
    (come_in,) = h.unread(CARER)
    assert come_in.text == (
        "🚪 The parent has left: you can come in now to collect A.B. (Coffee Hall, Room 3)."
    )
    assert come_in.protect_content
    await h.press_data(WORKER, f"t:pl:{await session_id(h, 'T1')}")  # marked twice
    (again,) = h.unread(WORKER)
    assert again.text == "Parent left was already marked at 10:00 (session T1)."
    await h.press_data(WORKER, f"t:pl:{await session_id(h, 'T2')}")  # parent and carer may meet
    (plain,) = h.unread(WORKER)
    assert plain.text == "✔ Parent left: marked at 10:00 (session T2)."
    h.assert_no_unexpected_messages()  # the carer told once, about T1 only


async def test_a_no_meet_carer_running_late_or_calling_off_hears_their_own_times(
    harness: Harness,
) -> None:
    h = harness
    await book_today(h, (WORKER, "W1"), (CARER, "C1"))
    await h.send(CARER, "/late")  # T1 only, so it is chosen already
    (question,) = h.unread(CARER)
    assert "11:00" not in question.text
    await h.press(CARER, "10 minutes")
    _edited, thanks = h.unread(CARER)
    assert thanks.text.startswith(  # late against the carer's own 10:45, not the start
        "Thank you, I've told Wren you'll be about 10 minutes late (arriving about 10:55)."
    )
    (notice,) = h.unread(WORKER)
    assert notice.text.endswith("expected about 10:55.")

    await h.send(CARER, "/cantcome")  # T1 today, and S1 tomorrow
    await h.press(CARER, "Mon 23 Nov, 10:45 (your arrival time) · A.B.")
    await h.press(CARER, "Transport")
    await h.press(CARER, "Yes, call it off")
    carer_read = [m.text for m in h.unread(CARER)]
    assert any(
        text.startswith("Thank you. The session on Mon 23 Nov, 10:45 (your arrival time) is ")
        for text in carer_read
    ), carer_read
    assert not any("11:00" in text for text in carer_read)
    (called_off,) = h.unread(WORKER)
    assert "cancelled" in called_off.text
    h.assert_no_unexpected_messages()
