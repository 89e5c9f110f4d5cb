"""Calendar files (.ics) a person can add to their phone's calendar, built with `icalendar`.

Times are written in the service's time zone with its VTIMEZONE, so a calendar app shows the
local time on both sides of a clock change. Callers put no child's name in an event: initials
and references at most.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

PRODUCT_ID = "-//Family Time assistant//EN"
MEDIA_TYPE = "text/calendar"


@dataclass(frozen=True)
class CalendarEvent:
    """One appointment: `uid` must stay the same for the same appointment across files, so
    an updated file replaces the entry rather than adding a second one."""

    uid: str
    starts_at: datetime
    ends_at: datetime
    summary: str
    location: str = ""
    description: str = ""
    cancelled: bool = False


def calendar_file(
    events: Sequence[CalendarEvent], zone: ZoneInfo, *, stamped_at: datetime, name: str = ""
) -> bytes:
    """The events as one iCalendar file, local times in `zone` (UTF-8, CRLF lines)."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    if name:
        calendar.add("x-wr-calname", name)
    for item in events:
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", stamped_at)
        event.add("dtstart", item.starts_at.astimezone(zone))
        event.add("dtend", item.ends_at.astimezone(zone))
        event.add("summary", item.summary)
        if item.location:
            event.add("location", item.location)
        if item.description:
            event.add("description", item.description)
        event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())
