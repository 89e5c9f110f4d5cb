"""Calendar files: local times on both sides of a clock change, stable ids, no surprises."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar

from handlers.delivery.chat import SendDocument, delivery_from_json, delivery_to_json
from handlers.service.calendar_files import CalendarEvent, calendar_file

LONDON = ZoneInfo("Europe/London")


def _event(uid: str, local_start: datetime) -> CalendarEvent:
    return CalendarEvent(
        uid=uid,
        starts_at=local_start,
        ends_at=local_start + timedelta(hours=1),
        summary="Family time",
        location="Coffee Hall, Room 3",
    )


def test_times_are_local_on_both_sides_of_the_autumn_clock_change() -> None:
    before = datetime(2026, 10, 24, 10, 0, tzinfo=LONDON)  # BST, UTC+1
    after = datetime(2026, 10, 26, 10, 0, tzinfo=LONDON)  # GMT
    content = calendar_file(
        [_event("a@x", before), _event("b@x", after)],
        LONDON,
        stamped_at=datetime(2026, 10, 1, tzinfo=UTC),
        name="Family time",
    )
    calendar = Calendar.from_ical(content)
    starts = [e.decoded("dtstart") for e in calendar.walk("VEVENT")]
    assert [s.astimezone(LONDON).hour for s in starts] == [10, 10]
    assert [s.astimezone(UTC).hour for s in starts] == [9, 10]
    assert calendar.walk("VTIMEZONE"), "the zone travels with the file"
    assert [str(e["uid"]) for e in calendar.walk("VEVENT")] == ["a@x", "b@x"]


def test_a_cancelled_event_says_so() -> None:
    start = datetime(2026, 3, 30, 10, 0, tzinfo=LONDON)
    event = CalendarEvent("c@x", start, start + timedelta(hours=1), "Family time", cancelled=True)
    content = calendar_file([event], LONDON, stamped_at=start)
    (parsed,) = Calendar.from_ical(content).walk("VEVENT")
    assert str(parsed["status"]) == "CANCELLED"


def test_a_document_survives_the_outbox_round_trip_byte_for_byte() -> None:
    document = SendDocument("x.ics", bytes(range(256)), caption="c", protect_content=True)
    assert delivery_from_json(delivery_to_json(document)) == document
