"""When the office is open: weekly hours, UK bank holidays and the council's closed dates."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from handlers.service.config import WEEKDAYS, Hours, OpeningTimes, ServiceConfig

_SUBDIVISIONS = {"england-and-wales": "ENG", "scotland": "SCT", "northern-ireland": "NIR"}
_SHORT_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_LOOKAHEAD_DAYS = 60


@lru_cache(maxsize=16)
def _bank_holidays(region: str, year: int) -> frozenset[date]:
    # The `holidays` package keeps the UK's bank holidays (including one-off ones) up to date.
    if region == "none":
        return frozenset()
    return frozenset(holidays.country_holidays("GB", subdiv=_SUBDIVISIONS[region], years=year))


def is_closed_day(hours: Hours, day: date) -> bool:
    """A bank holiday, a council closed date, or a weekday with no hours."""
    return (
        day in _bank_holidays(hours.bank_holidays, day.year)
        or day in hours.closed_dates
        or hours.on(day.weekday()) is None
    )


def _opening_on(hours: Hours, day: date) -> OpeningTimes | None:
    return None if is_closed_day(hours, day) else hours.on(day.weekday())


def is_open(config: ServiceConfig, at: datetime) -> bool:
    """Whether the office answers the phone at this instant."""
    local = at.astimezone(ZoneInfo(config.timezone))
    opening = _opening_on(config.hours, local.date())
    return opening is not None and opening.opens <= local.time() < opening.closes


def next_opening(config: ServiceConfig, at: datetime) -> datetime:
    """The next instant the office opens after `at` (in the service's zone)."""
    zone = ZoneInfo(config.timezone)
    local = at.astimezone(zone)
    for offset in range(_LOOKAHEAD_DAYS):
        day = local.date() + timedelta(days=offset)
        opening = _opening_on(config.hours, day)
        if opening is None:
            continue
        opens = datetime.combine(day, opening.opens, tzinfo=zone)
        if opens > local:
            return opens
    raise ValueError(f"the office has no opening hours in the next {_LOOKAHEAD_DAYS} days")


def describe_hours(config: ServiceConfig) -> str:
    """Opening hours as a person reads them, e.g. 'Mon–Fri 09:00–17:00, Sat 09:30–16:30'."""
    hours = config.hours
    groups: list[tuple[int, int, OpeningTimes]] = []
    for index in range(len(WEEKDAYS)):
        opening = hours.on(index)
        if opening is None:
            continue
        if groups and groups[-1][1] == index - 1 and groups[-1][2] == opening:
            groups[-1] = (groups[-1][0], index, opening)
        else:
            groups.append((index, index, opening))
    parts = []
    for first, last, opening in groups:
        days = _SHORT_DAYS[first] if first == last else f"{_SHORT_DAYS[first]}–{_SHORT_DAYS[last]}"
        parts.append(f"{days} {opening.opens:%H:%M}–{opening.closes:%H:%M}")
    text = ", ".join(parts) if parts else "no regular opening hours"
    if hours.bank_holidays != "none":
        text += "; closed on bank holidays"
    return text


def when_office_opens(config: ServiceConfig, at: datetime) -> str:
    """The next opening in words, e.g. 'Monday 09:00' (with the date when a week or more away,
    '09:30 today' early on an opening day)."""
    zone = ZoneInfo(config.timezone)
    opens = next_opening(config, at)
    days_away = (opens.date() - at.astimezone(zone).date()).days
    if days_away == 0:
        return opens.strftime("%H:%M today")
    return opens.strftime("%A %H:%M" if days_away < 7 else "%A %d %B %H:%M")


def office_closed_line(
    config: ServiceConfig, at: datetime, *, is_sent: bool = True
) -> str | None:
    """Out of office hours, when the office will see what was just sent (or, with nothing sent,
    when it opens), and whom to call now; None while the office is open."""
    if is_open(config, at):
        return None
    when = when_office_opens(config, at)
    closed = f"they'll see this from {when}" if is_sent else f"it opens {when}"
    return (
        f"The office is closed now; {closed}. In an emergency call the out-of-hours team "
        f"(Emergency Social Work Team) on {config.contacts.out_of_hours_phone}."
    )
