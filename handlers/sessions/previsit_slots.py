"""Which pre-visit days and slots can be offered: pure rules over the config, a day and the
seats already taken, so the edges (Saturdays, bank holidays, clock changes) are tested alone."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.service.config import Hours, ServiceConfig
from handlers.service.hours import is_closed_day


@dataclass(frozen=True)
class SlotRules:
    """One venue's pre-visit slots: their length and seats, when they run, in which zone."""

    slot_minutes: int
    capacity: int
    bookable: Hours  # the venue's bookable hours
    office: Hours  # the office must be open that day too
    zone: ZoneInfo
    weeks_ahead: int


def rules_for(config: ServiceConfig, venue_code: str) -> SlotRules:
    """The pre-visit rules at one venue: its own values where set, else the service's."""
    previsits = config.previsits
    venue = previsits.venues.get(venue_code)
    return SlotRules(
        slot_minutes=(venue and venue.slot_minutes) or previsits.slot_minutes,
        capacity=(venue and venue.capacity) or previsits.capacity,
        bookable=(venue and venue.hours) or previsits.hours or config.hours,
        office=config.hours,
        zone=ZoneInfo(config.timezone),
        weeks_ahead=previsits.weeks_ahead,
    )


def slot_starts(rules: SlotRules, day: date) -> list[datetime]:
    """Every slot on a day (closed days have none), as aware local times, each ending by the
    close: wall-clock times, so 10:00 stays 10:00 across a clock change."""
    opening = rules.bookable.on(day.weekday())
    if opening is None or is_closed_day(rules.office, day) or is_closed_day(rules.bookable, day):
        return []
    length = timedelta(minutes=rules.slot_minutes)
    starts = []
    at = datetime.combine(day, opening.opens)
    while (at + length).time() <= opening.closes and (at + length).date() == day:
        starts.append(at.replace(tzinfo=rules.zone))
        at += length
    return starts


def free_slots(
    rules: SlotRules, day: date, *, now: datetime, taken: Mapping[datetime, int]
) -> list[datetime]:
    """The slots on a day still to come with a seat free; `taken` counts seats by UTC start."""
    return [
        start
        for start in slot_starts(rules, day)
        if start > now and taken.get(start, 0) < rules.capacity  # aware: compared as instants
    ]


def first_day(now: datetime, zone: ZoneInfo) -> date:
    """Pre-visits are booked from tomorrow: a carer needs a day to arrange it."""
    return now.astimezone(zone).date() + timedelta(days=1)


def last_day(now: datetime, rules: SlotRules) -> date:
    """The last day offered: `weeks_ahead` weeks from today."""
    return now.astimezone(rules.zone).date() + timedelta(weeks=rules.weeks_ahead)


def bookable_days(rules: SlotRules, *, now: datetime, taken: Mapping[datetime, int]) -> list[date]:
    """The days from tomorrow to `weeks_ahead` weeks on with at least one free slot."""
    day, last = first_day(now, rules.zone), last_day(now, rules)
    days = []
    while day <= last:
        if free_slots(rules, day, now=now, taken=taken):
            days.append(day)
        day += timedelta(days=1)
    return days
