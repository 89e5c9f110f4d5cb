"""The service changes a session (a re-import, a cancellation by staff): the carers and workers
concerned are told at once, old → new, and the reminders follow the session as it now is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from handlers.service.context import ServiceContext
from handlers.sessions import StaffCancelled, cancel_session_by_service, send_due_reminders
from storage.models import AuditEvent, Session
from tests.e2e.fixtures import (
    CARER,
    COORDINATOR,
    OTHER_CARER,
    OTHER_WORKER,
    SESSIONS,
    WORKER,
)
from tests.e2e.harness import Harness

SOCIAL_WORKER = 7005  # Sam (SW1), the social worker of every child in the fixtures

HEADER = "ref,venue,room,date,start,end,worker_ref,child_refs,supervision,status\n"
# S1 was Tuesday 24 November 10:00–11:30 at Coffee Hall, Room 2, with Wren (W1).
S1_MOVED = HEADER + "S1,coffee-hall,Room 5,2026-11-24,14:00,15:30,W2,CH1,full,\n"
S1_NEW_ROOM = HEADER + "S1,coffee-hall,Room 5,2026-11-24,10:00,11:30,W1,CH1,full,\n"
S1_BACK_ON = HEADER + "S1,coffee-hall,Room 2,2026-11-24,10:00,11:30,W1,CH1,full,scheduled\n"
MONDAY_EVENING = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
NO_MEET_HEADER = (
    HEADER.rstrip("\n")
    + ",attendees,no_meet,parent_arrives,parent_leaves,carer_arrives,carer_leaves\n"
)
# S1 as before, but Casey (the carer) and the parent must not meet: Casey brings A.B. at 09:45.
S1_NO_MEET = NO_MEET_HEADER + (
    "S1,coffee-hall,Room 2,2026-11-24,10:00,11:30,W1,CH1,full,,,yes,10:00,11:15,09:45,11:30\n"
)
S1_CARER_LATER = S1_NO_MEET.replace(",09:45,", ",09:50,")
S1_PARENT_LATER = S1_CARER_LATER.replace(",10:00,11:30,", ",10:15,11:30,").replace(
    ",10:00,11:15,", ",10:15,11:15,"
)


async def link_everyone(h: Harness) -> None:
    for user_id, ref in (
        (CARER, "C1"),
        (OTHER_CARER, "C2"),
        (WORKER, "W1"),
        (OTHER_WORKER, "W2"),
        (COORDINATOR, "K1"),
        (SOCIAL_WORKER, "SW1"),
    ):
        await h.link(user_id, ref)


async def at(h: Harness, moment: datetime) -> None:
    """Move the clock to just before `moment`, then on to it, as the scheduler would see."""
    h.clock.set(moment - timedelta(seconds=10))
    await h.advance(timedelta(seconds=10))


async def changes_recorded(h: Harness) -> list[dict[str, object]]:
    async with h.db.unit_of_work() as uow:
        events = await uow.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "session.changed_by_service")
            .order_by(AuditEvent.id)
        )
        return [event.details for event in events]


async def test_a_reimport_moving_a_session_tells_the_carer_and_both_workers_once(
    harness: Harness,
) -> None:
    h = harness
    await link_everyone(h)
    await h.import_records(sessions=SESSIONS)  # the same file again: nothing changed
    await h.advance(timedelta(seconds=1))
    h.assert_no_unexpected_messages()

    await at(h, MONDAY_EVENING)
    (evening,) = h.unread(CARER)  # for 10:00, as it stood
    assert "A.B. tomorrow, Tue 24 Nov, 10:00\nCoffee Hall, Room 2" in evening.text

    await h.import_records(sessions=S1_MOVED)
    await h.advance(timedelta(seconds=1))
    notice, reminder = h.unread(CARER)
    assert notice.text == "\n".join(
        [
            "🔁 The service has changed the session for A.B.:",
            "Time: Tue 24 Nov, 10:00–11:30 → Tue 24 Nov, 14:00–15:30",
            "Where: Coffee Hall, Room 2 → Coffee Hall, Room 5",
            "Worker: Wren → Will",
            "It is now Tue 24 Nov, 14:00–15:30 at Coffee Hall, Room 5, with Will.",
            "Questions: the office on 01632 960001.",
        ]
    )
    assert notice.protect_content
    # The evening reminder they had named the old time: one for the new time follows.
    assert "A.B. tomorrow, Tue 24 Nov, 14:00\nCoffee Hall, Room 5" in reminder.text
    (no_longer,) = h.unread(WORKER)
    assert no_longer.text == (
        "↪️ Session S1 (Tue 24 Nov, 10:00–11:30, Coffee Hall, Room 2) is no longer yours: the "
        "service has given it to another worker."
    )
    (now_yours,) = h.unread(OTHER_WORKER)
    assert now_yours.text == "\n".join(
        [
            "🗓 You now have session S1: Tue 24 Nov, 14:00–15:30, Coffee Hall, Room 5.",
            "Children: A.B. (CH1)",
            "Supervision: full",
            "Please review the family's needs and risks before you start.",
        ]
    )
    assert no_longer.protect_content and now_yours.protect_content
    h.assert_no_unexpected_messages()  # not Carmen, not the coordinator

    await at(h, datetime(2026, 11, 24, 8, 0, tzinfo=UTC))  # Tuesday 08:00
    (briefing,) = h.unread(OTHER_WORKER)  # the new worker's, for 14:00; none for Wren
    assert "Will: session S1 at Tue 24 Nov, 14:00\nCoffee Hall, Room 5" in briefing.text
    await at(h, datetime(2026, 11, 24, 9, 30, tzinfo=UTC))  # the old time's nudges: none
    h.assert_no_unexpected_messages()
    await at(h, datetime(2026, 11, 24, 12, 0, tzinfo=UTC))  # two hours before the new time
    (soon,) = h.unread(CARER)
    assert "A.B. today, Tue 24 Nov, 14:00\nCoffee Hall, Room 5" in soon.text
    (change,) = await changes_recorded(h)
    assert change["before"]["room"] == "Room 2" and change["after"]["room"] == "Room 5"  # type: ignore[index]
    h.assert_no_unexpected_messages()


async def test_a_reminder_queued_before_a_change_is_never_sent_with_the_old_room(
    harness: Harness,
) -> None:
    h = harness
    await link_everyone(h)
    await h.stop_bot()  # the reminders are queued, but not yet sent, when the change comes
    h.clock.set(datetime(2026, 11, 24, 8, 0, tzinfo=UTC))
    ctx = ServiceContext(h.config, h.clock)
    async with h.db.unit_of_work() as uow:
        assert await send_due_reminders(uow, ctx, h.clock.now()) == 2  # Casey's and Wren's
    await h.import_records(sessions=S1_NEW_ROOM)
    await h.start_bot()
    await h.advance(timedelta(seconds=1))

    notice, reminder = h.unread(CARER)
    assert notice.text.splitlines()[:2] == [
        "🔁 The service has changed the session for A.B.:",
        "Where: Coffee Hall, Room 2 → Coffee Hall, Room 5",
    ]
    assert "A.B. today, Tue 24 Nov, 10:00\nCoffee Hall, Room 5" in reminder.text
    changed, briefing = h.unread(WORKER)
    assert changed.text == "\n".join(
        [
            "🔁 Session S1 has changed:",
            "Where: Coffee Hall, Room 2 → Coffee Hall, Room 5",
            "Now: Tue 24 Nov, 10:00–11:30, Coffee Hall, Room 5. Children: A.B. (CH1)",
        ]
    )
    assert "Coffee Hall, Room 5" in briefing.text and "Room 2" not in briefing.text
    h.assert_no_unexpected_messages()


async def test_a_staff_cancellation_tells_everyone_concerned_and_the_carer_only_fixed_words(
    harness: Harness,
) -> None:
    h = harness
    await link_everyone(h)
    await at(h, MONDAY_EVENING)
    h.unread(CARER)  # the evening reminder for S1
    ctx = ServiceContext(h.config, h.clock)

    async def cancel(ref: str, reason: str, note: str | None = None) -> StaffCancelled:
        async with h.db.unit_of_work() as uow:  # as `familytime sessions cancel` does
            return await cancel_session_by_service(uow, ctx, ref=ref, reason=reason, note=note)

    office_note = "Wren is off sick; A.B.'s mum was told by phone"
    assert await cancel("S1", "worker", office_note) is StaffCancelled.DONE
    await h.advance(timedelta(seconds=1))
    (cancelled,) = h.unread(CARER)
    assert cancelled.text == "\n".join(
        [
            "❌ The session for A.B. on Tue 24 Nov, 10:00 at Coffee Hall, Room 2 is cancelled by "
            "the service. Please don't come in for it; no reminders will come for it.",
            "Reason: no worker is available to supervise it.",
            "If you have questions about it, please ask the children's social worker or the "
            "office on 01632 960001.",
        ]
    )
    staff_notice = "\n".join(
        [
            "❌ Session S1 on Tue 24 Nov, 10:00 (Coffee Hall, Room 2) is cancelled.",
            "Children: A.B. (CH1)",
            "Called off by the service at Mon 23 Nov, 18:00: no worker available.",
            f"The office's note: {office_note}",
        ]
    )
    for staff in (WORKER, COORDINATOR, SOCIAL_WORKER):
        (told,) = h.unread(staff)
        assert told.text == staff_notice and told.protect_content
    assert cancelled.protect_content
    async with h.db.unit_of_work() as uow:  # marked as any cancellation is, by nobody on the bot
        booked = await uow.scalar(select(Session).where(Session.ref == "S1"))
        assert booked is not None
        assert (booked.cancel_reason, booked.cancel_note) == ("worker_unavailable", office_note)
        assert booked.cancelled_at == MONDAY_EVENING and booked.cancelled_by_id is None
    assert await cancel("S1", "venue") is StaffCancelled.ALREADY
    assert await cancel("S9", "venue") is StaffCancelled.UNKNOWN
    assert await cancel("S2", "The worker is unwell") is StaffCancelled.BAD_REASON
    assert await cancel("S2", "venue", "x" * 301) is StaffCancelled.BAD_NOTE
    h.assert_no_unexpected_messages()  # nobody told twice; Carmen and Will not at all

    await h.send(CARER, "/mysessions")
    (listing,) = h.unread(CARER)
    assert "❌ Tue 24 Nov, 10:00–11:30 · A.B. · CANCELLED" in listing.text

    await at(h, datetime(2026, 11, 24, 8, 0, tzinfo=UTC))  # no reminder for Casey
    (morning,) = h.unread(WORKER)  # the worker's morning line that it is off, as ever
    assert morning.text.startswith("❌ Session S1 at Tue 24 Nov, 10:00")
    await at(h, datetime(2026, 11, 24, 9, 30, tzinfo=UTC))
    h.assert_no_unexpected_messages()

    await h.import_records(sessions=S1_BACK_ON)  # the service puts it back on
    await h.advance(timedelta(seconds=1))
    back_on, reminder = h.unread(CARER)
    assert back_on.text == (
        "✅ The session for A.B. on Tue 24 Nov, 10:00–11:30 at Coffee Hall, Room 2 is back on."
    )
    assert "A.B. today, Tue 24 Nov, 10:00" in reminder.text
    worker_back_on, nudge = h.unread(WORKER)
    assert worker_back_on.text.startswith("✅ Session S1 is back on.")
    assert "Wren: session S1 at Tue 24 Nov, 10:00" in nudge.text
    assert [c["after"]["status"] for c in await changes_recorded(h)] == [  # type: ignore[index]
        "scheduled",
    ]
    h.assert_no_unexpected_messages()


async def test_a_carer_hears_of_a_move_of_their_own_times_and_never_of_the_parents(
    harness: Harness,
) -> None:
    h = harness
    await link_everyone(h)
    await h.import_records(sessions=S1_NO_MEET)  # the session's own times stay 10:00–11:30
    await h.advance(timedelta(seconds=1))
    (own_times,) = h.unread(CARER)
    assert own_times.text.splitlines()[1] == (
        "Time: Tue 24 Nov, 10:00–11:30 → Tue 24 Nov, 09:45–11:30 (your own times)"
    )
    (to_worker,) = h.unread(WORKER)
    assert "Carer's times: the session's → Tue 24 Nov, 09:45–11:30" in to_worker.text

    await h.import_records(sessions=S1_CARER_LATER)
    await h.advance(timedelta(seconds=1))
    (later,) = h.unread(CARER)
    assert later.text.splitlines()[1] == (
        "Time: Tue 24 Nov, 09:45–11:30 (your own times) → Tue 24 Nov, 09:50–11:30 (your own times)"
    )
    assert "10:00" not in later.text and later.protect_content  # never the parent's side
    (to_worker,) = h.unread(WORKER)
    assert "Carer's times: Tue 24 Nov, 09:45–11:30 → Tue 24 Nov, 09:50–11:30" in to_worker.text

    await h.import_records(sessions=S1_PARENT_LATER)  # the parent's side only: 10:15
    await h.advance(timedelta(seconds=1))
    (to_worker,) = h.unread(WORKER)
    assert "Time: Tue 24 Nov, 10:00–11:30 → Tue 24 Nov, 10:15–11:30" in to_worker.text
    h.assert_no_unexpected_messages()  # nothing for Casey: nothing of theirs moved

    await at(h, MONDAY_EVENING)
    (evening,) = h.unread(CARER)  # the reminder follows the carer's times as they now are
    assert "please arrive at 09:50, not before" in evening.text and "10:00" not in evening.text
    recorded = await changes_recorded(h)
    assert [c["after"].get("carer_arrives_at") for c in recorded] == [  # type: ignore[attr-defined]
        "2026-11-24T09:45:00+00:00",
        "2026-11-24T09:50:00+00:00",
        "2026-11-24T09:50:00+00:00",
    ]
    h.assert_no_unexpected_messages()
