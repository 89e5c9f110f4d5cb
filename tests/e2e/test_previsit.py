"""Carers book their pre-visit: who hears what, seeing, moving and cancelling, the staff's list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event
from sqlalchemy import func, select

from bot.emulator import EmulatedMessage
from storage.models import AuditEvent, PrevisitBooking
from tests.e2e.fixtures import ALERT_STAFF, CARER, COORDINATOR, MANAGER, OTHER_CARER, SENIOR
from tests.e2e.harness import Harness

PEOPLE_HEADER = "ref,first_name,last_name,role,venue,phone\n"
LONDON = ZoneInfo("Europe/London")
# Monday 23 November 2026, 10:00 (GMT): pre-visits can be booked from Tuesday 24 November
# to Monday 14 December; Coffee Hall has one seat a slot, 09:00-17:00 in hourly slots.
BOOKED = (
    "📅 Pre-visit booked: Wed 25 Nov, 10:00–11:00 at Coffee Hall, with Casey Testcarer "
    "(carer) for A.B. (CH1), D.E. (CH2). Send /previsits for the list."
)
DAYS = [
    "Tue 24 Nov", "Wed 25 Nov", "Thu 26 Nov", "Fri 27 Nov", "Sat 28 Nov", "Mon 30 Nov",
    "Tue 1 Dec", "Wed 2 Dec", "Thu 3 Dec", "Fri 4 Dec", "Sat 5 Dec", "Mon 7 Dec", "Tue 8 Dec",
    "Wed 9 Dec", "Thu 10 Dec", "Fri 11 Dec", "Sat 12 Dec", "Mon 14 Dec",
]  # fmt: skip


async def join(h: Harness, *also: tuple[int, str]) -> None:
    await h.import_records(people=PEOPLE_HEADER + ALERT_STAFF)
    for user_id, ref in ((CARER, "C1"), (COORDINATOR, "K1"), (SENIOR, "SN1"), *also):
        await h.link(user_id, ref)


def calendar_event(message: EmulatedMessage) -> Event:
    """The one event of the calendar file a message carries."""
    assert message.document is not None and message.document.file_name == "previsit.ics"
    (event,) = Calendar.from_ical(message.document.content).walk("VEVENT")
    assert isinstance(event, Event)
    return event


def labels(message: object) -> list[str]:
    return [label for label, _ in getattr(message, "buttons", ())]


async def fill_in_up_to_confirm(h: Harness, user: int, day: str, time: str) -> None:
    """Book at Coffee Hall on `day` at `time`, answering everything, up to the summary."""
    await h.send(user, "/previsit")
    await h.press(user, "Coffee Hall")
    await h.press(user, day)
    await h.press(user, time)
    if any("All of them" in label for label in labels(h.emulator.current_messages(user)[-1])):
        await h.press(user, "All of them")
    await h.send(user, "up at 7, nap after lunch")
    await h.press(user, "Skip this")
    await h.send(user, "swimming on Thursdays")
    h.unread(user)


async def bookings(h: Harness) -> list[tuple[int, str]]:
    async with h.db.unit_of_work() as uow:
        rows = await uow.execute(
            select(PrevisitBooking.carer_id, PrevisitBooking.starts_at).order_by(
                PrevisitBooking.starts_at
            )
        )
        return [(carer, f"{starts:%d %H:%M}") for carer, starts in rows]


async def test_a_carer_books_a_previsit_and_the_coordinator_and_senior_are_told(
    harness: Harness,
) -> None:
    h = harness
    await join(h)
    await h.send(CARER, "/previsit")
    (venue,) = h.unread(CARER)
    assert venue.text == "Where would you like the pre-visit?"
    assert labels(venue) == ["Coffee Hall", "Greenleys", "✖ Leave this form"]

    await h.press(CARER, "Coffee Hall")
    _, day = h.unread(CARER)
    assert day.text == "Which day would you like to come to Coffee Hall?"
    assert labels(day) == [*DAYS, "◀ Back", "✖ Leave this form"]  # no Sundays; Saturdays open

    await h.send(CARER, "25/11")  # typed, and offered
    edited, slot = h.unread(CARER)
    assert edited.is_edit and edited.text.endswith("✔ Wed 25 Nov")
    assert slot.text == "Which time on Wed 25 Nov?"
    assert labels(slot)[:8] == [f"{hour:02d}:00" for hour in range(9, 17)]

    await h.press(CARER, "10:00")
    _, children = h.unread(CARER)
    assert labels(children)[:3] == ["A.B.", "D.E.", "All of them (A.B., D.E.)"]
    await h.press(CARER, "All of them")
    _, routine = h.unread(CARER)
    assert routine.text.startswith("What is the daily routine of A.B. and D.E.?")
    await h.send(CARER, "up at 7, nap after lunch")
    await h.press(CARER, "Skip this")  # school or nursery
    await h.send(CARER, "swimming on Thursdays")
    *_, summary = h.unread(CARER)
    assert summary.text == (
        "Please check and confirm:\nWhen: Wed 25 Nov, 10:00 at Coffee Hall\n"
        "Children: A.B. and D.E.\nDaily routine: up at 7, nap after lunch\n"
        "School or nursery: not given\nClubs: swimming on Thursdays"
    )
    h.assert_no_unexpected_messages()  # nobody hears of it before it is confirmed

    await h.press(CARER, "Confirm")
    edited, calendar, confirmed = h.unread(CARER)
    assert edited.is_edit and edited.text.endswith("✔ ✅ Confirm")
    assert calendar.text == (
        "📅 Booked: Wed 25 Nov, 10:00–11:00 at Coffee Hall. Open this file to add it to your "
        "calendar."
    )
    event = calendar_event(calendar)
    assert event["dtstart"].dt == datetime(2026, 11, 25, 10, 0, tzinfo=LONDON)
    assert event["dtend"].dt == datetime(2026, 11, 25, 11, 0, tzinfo=LONDON)
    assert str(event["summary"]) == "Family Time pre-visit (A.B., D.E.)"
    assert str(event["location"]) == "Coffee Hall, 1 Example Road, Coffee Hall"
    assert confirmed.text == (
        "Your pre-visit:\nWhen: Wed 25 Nov, 10:00–11:00\nWhere: Coffee Hall\n"
        "Children: A.B. (CH1), D.E. (CH2)\nDaily routine: up at 7, nap after lunch\n"
        "School or nursery: not given\nClubs: swimming on Thursdays\n\n"
        "Send /previsit to see, move or cancel it."
    )
    for staff in (COORDINATOR, SENIOR):
        (notice,) = h.unread(staff)
        assert notice.text == BOOKED and notice.protect_content
    assert await bookings(h) == [(1, "25 10:00")]
    h.assert_no_unexpected_messages()


async def test_a_carer_sees_moves_and_cancels_their_previsit(harness: Harness) -> None:
    h = harness
    await join(h)
    await fill_in_up_to_confirm(h, CARER, "Wed 25 Nov", "10:00")
    await h.press(CARER, "Confirm")
    first_uid = calendar_event(h.unread(CARER)[1])["uid"]
    h.unread(COORDINATOR), h.unread(SENIOR)

    await h.send(CARER, "/previsit")
    (menu,) = h.unread(CARER)
    assert menu.text == (
        "Your pre-visit is booked: Wed 25 Nov, 10:00 at Coffee Hall. What would you like to do?"
    )
    assert labels(menu) == [
        "👀 See it",
        "🔁 Move it",
        "❌ Cancel the pre-visit",
        "✖ Leave this form",
    ]
    await h.press(CARER, "See it")
    _, seen = h.unread(CARER)
    assert seen.text.startswith("Your pre-visit:\nWhen: Wed 25 Nov, 10:00–11:00\n")
    h.assert_no_unexpected_messages()

    await h.send(CARER, "/previsit")
    await h.press(CARER, "Move it")
    await h.press(CARER, "Greenleys")
    await h.press(CARER, "Thu 26 Nov")
    await h.press(CARER, "14:00")
    *_, summary = h.unread(CARER)
    assert summary.text == (
        "Please check and confirm:\nMove your pre-visit from Wed 25 Nov, 10:00 at Coffee Hall\n"
        "to Thu 26 Nov, 14:00 at Greenleys"
    )
    await h.press(CARER, "Confirm")
    _, calendar, moved = h.unread(CARER)
    assert calendar.text.startswith("📅 Moved: Thu 26 Nov, 14:00–15:00 at Greenleys.")
    assert calendar_event(calendar)["uid"] == first_uid  # the same calendar entry, updated
    assert moved.text.startswith("Your pre-visit:\nWhen: Thu 26 Nov, 14:00–15:00\n")
    assert "Daily routine: up at 7, nap after lunch" in moved.text  # the answers moved with it
    (notice,) = h.unread(COORDINATOR)
    assert notice.text.startswith("📅 Pre-visit moved: Thu 26 Nov, 14:00–15:00 at Greenleys")
    assert [m.text for m in h.unread(SENIOR)] == [notice.text]  # it left Coffee Hall
    h.assert_no_unexpected_messages()

    await h.send(CARER, "/previsit")
    await h.press(CARER, "Cancel the pre-visit")
    *_, sure = h.unread(CARER)
    assert sure.text == "Cancel your pre-visit on Thu 26 Nov, 14:00 at Greenleys?"
    await h.press(CARER, "Yes, cancel it")
    _, calendar, cancelled = h.unread(CARER)
    assert calendar.text.startswith("❌ Cancelled: Thu 26 Nov, 14:00–15:00 at Greenleys.")
    entry = calendar_event(calendar)
    assert entry["uid"] == first_uid and str(entry["status"]) == "CANCELLED"
    assert cancelled.text == (
        "Your pre-visit on Thu 26 Nov, 14:00 at Greenleys is cancelled; the team has been told. "
        "Send /previsit if you'd like to book another."
    )
    (notice,) = h.unread(COORDINATOR)
    assert notice.text.startswith("❌ Pre-visit cancelled: Thu 26 Nov, 14:00–15:00 at Greenleys")
    h.assert_no_unexpected_messages()  # Coffee Hall's senior: not Greenleys' business any more
    assert await bookings(h) == []
    async with h.db.unit_of_work() as uow:
        actions = list(
            await uow.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.action.like("previsit.%"))
                .order_by(AuditEvent.id)
            )
        )
    assert actions == ["previsit.booked", "previsit.moved", "previsit.cancelled"]
    h.assert_no_unexpected_messages()


async def test_coordinators_seniors_and_managers_list_upcoming_previsits_and_a_carer_cannot(
    harness: Harness,
) -> None:
    h = harness
    await join(h, (MANAGER, "M1"))
    await h.send(COORDINATOR, "/previsits")
    (empty,) = h.unread(COORDINATOR)
    assert empty.text == "No pre-visits are booked."
    await fill_in_up_to_confirm(h, CARER, "Wed 25 Nov", "10:00")
    await h.press(CARER, "Confirm")
    h.unread(CARER), h.unread(COORDINATOR), h.unread(SENIOR)
    (told,) = h.unread(MANAGER)  # on site at Coffee Hall: told of the booking, as the senior
    assert told.text.startswith("📅 Pre-visit booked: Wed 25 Nov, 10:00–11:00 at Coffee Hall")

    await h.send(COORDINATOR, "/previsits")
    (listed,) = h.unread(COORDINATOR)
    assert listed.protect_content
    assert listed.text == (
        "Pre-visits booked:\n\n📅 Wed 25 Nov, 10:00–11:00 · Coffee Hall\n"
        "Casey Testcarer (carer) for A.B. (CH1), D.E. (CH2)\n"
        "Routine: up at 7, nap after lunch\nSchool or nursery: not given\n"
        "Clubs: swimming on Thursdays"
    )
    for staff in (SENIOR, MANAGER):
        await h.send(staff, "/previsits")
        assert [m.text for m in h.unread(staff)] == [listed.text]
    await h.send(CARER, "/previsits")
    assert [m.text for m in h.unread(CARER)] == [
        "That isn't available for your role. Send /help to see what I can do."
    ]
    h.assert_no_unexpected_messages()


async def test_bad_input_gets_one_sentence_and_keeps_what_was_entered(harness: Harness) -> None:
    h = harness
    await join(h)
    await h.send(CARER, "/previsit")
    await h.press(CARER, "Coffee Hall")
    old_day_question = h.unread(CARER)[-1]

    await h.send(CARER, "20/11")  # in the past
    _, again = h.unread(CARER)
    assert again.text.startswith(
        "Fri 20 Nov has passed; please pick a day from tomorrow on below.\n\n"
        "Which day would you like to come to Coffee Hall?"
    )
    assert labels(again) == [*DAYS, "◀ Back", "✖ Leave this form"]
    await h.send(CARER, "29/11")  # a Sunday: closed
    assert h.unread(CARER)[-1].text.startswith(
        "There's no free pre-visit on Sun 29 Nov (closed or fully booked); please pick a day"
    )
    await h.send(CARER, "25/12")  # Christmas Day, beyond the weeks offered anyway
    assert h.unread(CARER)[-1].text.startswith("I can book only up to Mon 14 Dec for now;")
    await h.send_media(CARER, "photo")
    assert h.unread(CARER)[-1].text.startswith(
        "I can't pass on photos, so nobody will see it. Please tap a day below"
    )
    await h.press_on(CARER, old_day_question.message_id, old_day_question.buttons[0][1])
    stale = [m.text for m in h.unread(CARER) if not m.is_edit]
    assert stale[0] == "That button is from an earlier message; please use the one below."

    await h.press(CARER, "Wed 25 Nov")
    await h.press(CARER, "10:00")
    await h.press(CARER, "All of them")
    h.unread(CARER)
    await h.send(CARER, "x" * 301)
    _, too_long = h.unread(CARER)
    assert too_long.text.startswith(
        "That's 301 characters; please send a shorter version (up to 300)."
    )
    await h.send_media(CARER, "photo")  # no caption: nothing to keep as the routine
    assert h.unread(CARER)[-1].text.startswith(
        "I can't pass on photos, so nobody will see it. Please type a few words about it instead."
    )
    await h.send(CARER, "up at 7")
    await h.press(CARER, "Skip this")
    await h.press(CARER, "Skip this")
    *_, summary = h.unread(CARER)
    assert "When: Wed 25 Nov, 10:00 at Coffee Hall" in summary.text  # nothing lost
    assert "Daily routine: up at 7" in summary.text

    await h.send(CARER, "/cancel")
    *_, cancelled = h.unread(CARER)
    assert cancelled.text == "You've left the form. Nothing was sent."
    assert await bookings(h) == []
    h.assert_no_unexpected_messages()


async def test_the_last_seat_taken_meanwhile_offers_fresh_times_and_keeps_the_rest(
    harness: Harness,
) -> None:
    h = harness
    await join(h, (OTHER_CARER, "C2"))
    await fill_in_up_to_confirm(h, CARER, "Wed 25 Nov", "10:00")
    await fill_in_up_to_confirm(h, OTHER_CARER, "Wed 25 Nov", "10:00")

    # Both confirm at the same moment: one gets the seat, the other fresh times.
    await h.press(CARER, "Confirm", settle=False)
    await h.press(OTHER_CARER, "Confirm", settle=False)
    await h.settle()
    booked = await bookings(h)
    assert len(booked) == 1
    winner, loser = (CARER, OTHER_CARER) if booked[0][0] == 1 else (OTHER_CARER, CARER)
    _, calendar, _ = h.unread(winner)
    assert calendar.text.startswith("📅 Booked: Wed 25 Nov, 10:00–11:00")
    _, retry = h.unread(loser)
    assert retry.text == (
        "Sorry, 10:00 on Wed 25 Nov has just been taken; please pick another.\n\n"
        "Which time on Wed 25 Nov?"
    )
    assert "10:00" not in labels(retry) and "11:00" in labels(retry)
    (notice,) = h.unread(COORDINATOR)
    assert notice.text.startswith("📅 Pre-visit booked: Wed 25 Nov, 10:00–11:00")
    h.unread(SENIOR)

    await h.press(loser, "11:00")  # straight back to the summary: nothing asked again
    _, summary = h.unread(loser)
    assert summary.text.startswith("Please check and confirm:\nWhen: Wed 25 Nov, 11:00")
    assert "Clubs: swimming on Thursdays" in summary.text
    await h.press(loser, "Confirm")
    assert h.unread(loser)[-1].text.startswith("Your pre-visit:\nWhen: Wed 25 Nov, 11:00")
    h.unread(COORDINATOR), h.unread(SENIOR)
    async with h.db.unit_of_work() as uow:
        seats = await uow.scalar(select(func.max(PrevisitBooking.seat)))
    assert seats == 1
    h.assert_no_unexpected_messages()


async def test_a_carer_never_sees_or_acts_on_another_carers_children_or_booking(
    harness: Harness,
) -> None:
    h = harness
    await join(h, (OTHER_CARER, "C2"))
    await fill_in_up_to_confirm(h, CARER, "Wed 25 Nov", "10:00")
    await h.press(CARER, "Confirm")
    h.unread(CARER), h.unread(COORDINATOR), h.unread(SENIOR)
    carer_buttons = [data for _, data in h.emulator.current_messages(CARER)[-1].buttons]

    await h.send(OTHER_CARER, "/previsit")  # Carmen has no booking: Casey's isn't offered
    (venue,) = h.unread(OTHER_CARER)
    assert venue.text == "Where would you like the pre-visit?"
    await h.press(OTHER_CARER, "Coffee Hall")
    await h.press(OTHER_CARER, "Wed 25 Nov")
    *_, slot = h.unread(OTHER_CARER)
    assert "10:00" not in labels(slot)  # taken: shown as gone, not whose
    nonce = slot.buttons[0][1].split(":")[1]
    await h.press_data(OTHER_CARER, f"f:{nonce}:10:00")  # forged: the taken time
    assert h.unread(OTHER_CARER)[-1].text.startswith("That time is no longer free.")
    await h.press(OTHER_CARER, "11:00")  # one child (F.G.): chosen already
    _, routine = h.unread(OTHER_CARER)
    assert routine.text.startswith("What is the daily routine of F.G.?")
    nonce = routine.buttons[0][1].split(":")[1]
    await h.press_data(OTHER_CARER, f"f:{nonce}:all")  # forged: "all" is not a shortcut here
    assert h.unread(OTHER_CARER)[-1].text.startswith("Please type your answer as a message")
    for data in carer_buttons:  # Casey's own buttons, forwarded or forged
        await h.press_data(OTHER_CARER, data)
        assert all("A.B." not in m.text for m in h.unread(OTHER_CARER))
    await h.press_data(OTHER_CARER, "m:previsit:1")  # a forged start with a booking's id
    assert h.unread(OTHER_CARER)[-1].text == (
        "That button is from a message I can't use any more. Tap a button below."
    )
    assert await bookings(h) == [(1, "25 10:00")]
    h.assert_no_unexpected_messages()


async def test_the_calendar_file_keeps_local_time_across_the_clocks_changing(
    harness: Harness,
) -> None:
    h = harness
    await join(h)
    h.clock.set(datetime(2027, 3, 24, 10, 0, tzinfo=UTC))  # Wednesday, GMT; BST from Sunday
    await h.advance(timedelta(seconds=1))
    await h.send(CARER, "/previsit")
    await h.press(CARER, "Coffee Hall")
    *_, days = h.unread(CARER)
    assert labels(days)[:4] == ["Thu 25 Mar", "Sat 27 Mar", "Tue 30 Mar", "Wed 31 Mar"]  # Easter
    await h.send(CARER, "30/3")
    await h.press(CARER, "09:00")
    await h.press(CARER, "A.B.")
    for _ in range(3):
        await h.press(CARER, "Skip this")
    await h.press(CARER, "Confirm")
    *_, calendar, _ = h.unread(CARER)
    event = calendar_event(calendar)
    assert event["dtstart"].dt == datetime(2027, 3, 30, 9, 0, tzinfo=LONDON)
    assert event["dtstart"].dt.astimezone(UTC) == datetime(2027, 3, 30, 8, 0, tzinfo=UTC)
    assert event["dtstart"].params["TZID"] == "Europe/London"
    assert calendar.document is not None
    assert "A.B." in str(event["summary"]) and "Casey" not in calendar.document.content.decode()
    h.unread(COORDINATOR), h.unread(SENIOR)
    h.assert_no_unexpected_messages()


async def test_out_of_hours_seeing_or_keeping_the_previsit_says_when_the_office_opens(
    harness: Harness,
) -> None:
    h = harness
    await join(h)
    await fill_in_up_to_confirm(h, CARER, "Wed 25 Nov", "10:00")
    await h.press(CARER, "Confirm")
    h.unread(CARER), h.unread(COORDINATOR), h.unread(SENIOR)
    h.clock.set(datetime(2026, 11, 23, 18, 30, tzinfo=UTC))  # Monday evening: closed
    await h.advance(timedelta(seconds=1))
    (reminder,) = h.unread(CARER)  # S1's evening reminder (its own scenario)
    assert reminder.text.startswith("📅")
    opens = (
        "The office is closed now; it opens Tuesday 09:00. In an emergency call the "
        "out-of-hours team (Emergency Social Work Team) on 01632 960999."
    )

    await h.send(CARER, "/previsit")
    await h.press(CARER, "See it")  # nothing is sent, so nobody will "see this"
    *_, seen = h.unread(CARER)
    assert seen.text.endswith(f"Send /previsit to move or cancel it.\n{opens}")
    await h.send(CARER, "/previsit")
    await h.press(CARER, "Cancel the pre-visit")
    await h.press(CARER, "No, keep it")
    *_, kept = h.unread(CARER)
    assert kept.text == f"Your pre-visit on Wed 25 Nov, 10:00 at Coffee Hall stays booked.\n{opens}"
    h.assert_no_unexpected_messages()
