"""A carer's /mysessions: their own children's sessions ahead, cancelled ones saying so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar
from sqlalchemy import select

from storage.models import Session
from tests.e2e.fixtures import CARER, OTHER_CARER, SESSION_TODAY, WORKER
from tests.e2e.harness import Harness

HEADER = "ref,venue,room,date,start,end,worker_ref,child_refs,supervision,status\n"
# Monday 23 November 2026. S3 has a child of each carer; S4 (D.E., Casey's) is cancelled;
# S5 is a day beyond the 28 days /mysessions looks ahead.
MORE_SESSIONS = (
    HEADER
    + "S3,greenleys,,2026-11-26,15:00,16:00,W2,CH1;CH3,supported,\n"
    + "S4,coffee-hall,Room 1,2026-11-27,09:30,10:30,,CH2,full,cancelled\n"
    + "S5,coffee-hall,Room 2,2026-12-22,10:00,11:00,W1,CH1,full,\n"
)
OFFICE = "Questions: the office on 01632 960001."


async def test_a_carer_sees_only_their_childrens_sessions_with_cancelled_ones_saying_so(
    harness: Harness,
) -> None:
    h = harness  # Monday 23 November, 10:00
    await h.link(CARER, "C1")
    await h.link(OTHER_CARER, "C2")
    await h.link(WORKER, "W1")
    await h.import_records(sessions=MORE_SESSIONS)  # new sessions: nobody is told anything

    await h.send(CARER, "/mysessions")
    (listing,) = h.unread(CARER)
    assert listing.text == "\n".join(
        [
            "🗓 Your sessions in the next 28 days:",
            "📅 Tue 24 Nov, 10:00–11:30 · A.B. · going ahead",
            "    Coffee Hall, Room 2 · with Wren",
            "📅 Thu 26 Nov, 15:00–16:00 · A.B. · going ahead",  # not F.G., Carmen's child
            "    Greenleys · with Will",
            "❌ Fri 27 Nov, 09:30–10:30 · D.E. · CANCELLED",
            "    Coffee Hall, Room 1",
            "If a session changes, I'll tell you at once. Can't make one? Send /cantcome. "
            + OFFICE,
        ]
    )
    assert listing.protect_content
    assert list(listing.buttons) == [("📅 Add to my calendar", "m:mycalendar")]

    await h.press(OTHER_CARER, "My sessions")  # the menu button
    (theirs,) = h.unread(OTHER_CARER)
    assert theirs.text.splitlines()[1:5] == [
        "📅 Wed 25 Nov, 14:00–15:00 · F.G. · going ahead",
        "    Greenleys, Garden room · with Will",
        "📅 Thu 26 Nov, 15:00–16:00 · F.G. · going ahead",
        "    Greenleys · with Will",
    ]
    assert "A.B." not in theirs.text and "D.E." not in theirs.text and "Room 2" not in theirs.text

    await h.send(WORKER, "/mysessions")
    (refused,) = h.unread(WORKER)
    assert refused.text == "That isn't available for your role. Send /help to see what I can do."
    h.assert_no_unexpected_messages()


async def test_a_carer_with_nothing_booked_is_told_so_without_a_calendar_button(
    harness: Harness,
) -> None:
    h = harness
    await h.link(OTHER_CARER, "C2")
    await h.import_records(
        sessions=HEADER + "S2,greenleys,Garden room,2026-11-25,14:00,15:00,W2,CH3,,cancelled\n"
    )
    await h.advance(timedelta(seconds=1))
    (notice,) = h.unread(OTHER_CARER)  # the import cancelled S2: Carmen is told at once
    assert notice.text.startswith("❌ The service has cancelled the session for F.G. on Wed")
    await h.send(OTHER_CARER, "/mysessions")
    (listing,) = h.unread(OTHER_CARER)
    assert listing.text.splitlines()[1] == "❌ Wed 25 Nov, 14:00–15:00 · F.G. · CANCELLED"
    assert not listing.buttons  # nothing going ahead to add to a calendar
    await h.send(OTHER_CARER, "/mycalendar")  # typed all the same
    (no_file,) = h.unread(OTHER_CARER)
    assert (
        no_file.text == "There's no session going ahead in the next 28 days to add to a calendar."
    )
    h.assert_no_unexpected_messages()

    h.clock.set(h.clock.now().replace(day=26))  # Thursday: S2 is behind them
    await h.send(OTHER_CARER, "/mysessions")
    (empty,) = h.unread(OTHER_CARER)
    assert empty.text == (
        "No sessions are booked for the children you look after in the next 28 days. If you "
        "think one is missing, phone the office on 01632 960001."
    )
    h.assert_no_unexpected_messages()


# Monday 22 March 2027; the clocks go forward on Sunday 28 March. Both sessions are at 10:00
# on the wall clock: 10:00 UTC on the Friday (GMT), 09:00 UTC on the Monday (BST).
ACROSS_THE_CLOCK_CHANGE = (
    HEADER
    + "S6,coffee-hall,Room 2,2027-03-26,10:00,11:00,W1,CH1,full,\n"
    + "S7,greenleys,Garden room,2027-03-29,10:00,11:30,W2,CH1;CH3,supported,\n"
    + "S8,coffee-hall,Room 1,2027-03-30,15:00,16:00,W1,CH2,full,cancelled\n"
)


async def test_add_to_my_calendar_sends_an_ics_at_the_right_local_times_across_a_clock_change(
    harness: Harness,
) -> None:
    h = harness
    h.clock.set(datetime(2027, 3, 22, 10, 0, tzinfo=UTC))
    await h.link(CARER, "C1")
    await h.link(OTHER_CARER, "C2")
    await h.import_records(sessions=ACROSS_THE_CLOCK_CHANGE)

    await h.send(CARER, "/mysessions")
    (listing,) = h.unread(CARER)
    assert listing.text.splitlines()[1:7] == [
        "📅 Fri 26 Mar, 10:00–11:00 · A.B. · going ahead",
        "    Coffee Hall, Room 2 · with Wren",
        "📅 Mon 29 Mar, 10:00–11:30 · A.B. · going ahead",
        "    Greenleys, Garden room · with Will",
        "❌ Tue 30 Mar, 15:00–16:00 · D.E. · CANCELLED",
        "    Coffee Hall, Room 1",
    ]
    await h.press(CARER, "Add to my calendar")
    (sent,) = h.unread(CARER)
    assert sent.document is not None and sent.document.file_name == "family-time-sessions.ics"
    assert sent.text.startswith("Your sessions in the next 28 days: open the file")
    assert not sent.protect_content  # the phone must be able to open it
    events = Calendar.from_ical(sent.document.content).walk("VEVENT")
    london = ZoneInfo("Europe/London")
    found = [
        (
            str(e["summary"]),
            e.decoded("dtstart").astimezone(london).strftime("%a %d %b %H:%M"),
            e.decoded("dtstart").astimezone(UTC).strftime("%H:%M"),
            e.decoded("dtend").astimezone(london).strftime("%H:%M"),
            str(e["location"]),
            str(e["status"]),
        )
        for e in events
    ]
    assert found == [
        (
            "Family time: A.B.",
            "Fri 26 Mar 10:00",
            "10:00",
            "11:00",
            "Coffee Hall, Room 2",
            "CONFIRMED",
        ),
        (
            "Family time: A.B.",
            "Mon 29 Mar 10:00",
            "09:00",
            "11:30",
            "Greenleys, Garden room",
            "CONFIRMED",
        ),
        (
            "Family time: D.E. (cancelled)",
            "Tue 30 Mar 15:00",
            "14:00",
            "16:00",
            "Coffee Hall, Room 1",
            "CANCELLED",
        ),
    ]
    assert str(events[0]["dtstart"].params["TZID"]) == "Europe/London"
    assert b"F.G." not in sent.document.content  # Carmen's child, in S7 too
    assert b"Testcarer" not in sent.document.content

    await h.send(OTHER_CARER, "/mycalendar")
    (theirs,) = h.unread(OTHER_CARER)
    assert theirs.document is not None
    (only,) = Calendar.from_ical(theirs.document.content).walk("VEVENT")
    assert str(only["summary"]) == "Family time: F.G."
    assert b"A.B." not in theirs.document.content and b"D.E." not in theirs.document.content
    h.assert_no_unexpected_messages()


async def test_a_session_the_worker_ended_early_shows_as_ended_not_going_ahead(
    harness: Harness,
) -> None:
    h = harness  # Monday 23 November, 10:00: S0 (F.G., Carmen's) runs 09:30–11:00
    await h.link(OTHER_CARER, "C2")
    await h.import_records(sessions=HEADER + SESSION_TODAY.rstrip("\n") + ",\n")
    async with h.db.unit_of_work() as uow:
        s0 = await uow.scalar(select(Session).where(Session.ref == "S0"))
        assert s0 is not None
        s0.ended_at = h.clock.now()  # the worker ended it an hour early
    await h.send(OTHER_CARER, "/mysessions")
    (listing,) = h.unread(OTHER_CARER)
    assert listing.text.splitlines()[1] == "📅 Mon 23 Nov, 09:30–11:00 · F.G. · ended"
    h.assert_no_unexpected_messages()
