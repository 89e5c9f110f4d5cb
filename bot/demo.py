"""Demo records for the sandbox: obviously fictional people, children, sessions and a rota."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

DEMO_PEOPLE = """ref,first_name,last_name,role,venue,phone
DEMO-CARER,Casey,Example,carer,,01632 960101
DEMO-CARER2,Kit,Example,carer,,01632 960107
DEMO-WORKER,Wren,Example,worker,coffee-hall,01632 960102
DEMO-SENIOR,Sol,Example,senior,coffee-hall,01632 960104
DEMO-MANAGER,Morgan,Example,manager,greenleys,01632 960105
DEMO-COORD,Cora,Example,coordinator,,01632 960103
DEMO-SW,Sam,Example,social_worker,,01632 960106
"""

DEMO_CHILDREN = """ref,initials,social_worker_ref,carer_refs,not_independently_mobile,needs,risks
DEMO-CH1,A.E.,DEMO-SW,DEMO-CARER,,Likes building blocks; a snack at half time.,None known.
DEMO-CH2,B.E.,DEMO-SW,DEMO-CARER,yes,Bottle at 11:00; nappy bag in the car.,None known.
DEMO-CH3,C.E.,DEMO-SW,DEMO-CARER2,,Shy at first; settles with drawing.,None known.
"""


@dataclass(frozen=True)
class Persona:
    """A demo person with an emulated Telegram account, shown as one chat on the page."""

    ref: str
    user_id: int
    name: str
    role: str


# In the page's order: the carers' side first, then the staff up the alert chain.
PERSONAS = (
    Persona("DEMO-CARER", 5001, "Casey", "carer"),
    Persona("DEMO-WORKER", 5002, "Wren", "worker"),
    Persona("DEMO-SENIOR", 5004, "Sol", "senior"),
    Persona("DEMO-MANAGER", 5005, "Morgan", "manager"),
    Persona("DEMO-COORD", 5003, "Cora", "coordinator"),
    Persona("DEMO-SW", 5006, "Sam", "social_worker"),
    Persona("DEMO-CARER2", 5007, "Kit", "carer"),
)


@dataclass(frozen=True)
class DemoShift:
    """One rota line: on site at a venue, or on call (venue None), in local times."""

    ref: str
    venue_code: str | None
    starts: datetime
    ends: datetime


ROTA_DAYS = 7  # the rota covers this week, so moving the clock on still finds someone


def demo_rota(today: date) -> list[DemoShift]:
    """The senior on site at Coffee Hall, the manager at Greenleys, the manager on call nights."""
    shifts: list[DemoShift] = []
    for offset in range(ROTA_DAYS):
        day = today + timedelta(days=offset)
        morning, evening = datetime.combine(day, time(8)), datetime.combine(day, time(18))
        shifts.append(DemoShift("DEMO-SENIOR", "coffee-hall", morning, evening))
        shifts.append(DemoShift("DEMO-MANAGER", "greenleys", morning, evening))
        # On call from the evening before, so the small hours of today are covered too.
        shifts.append(DemoShift("DEMO-MANAGER", None, morning - timedelta(hours=14), morning))
    return shifts


def demo_sessions(now: datetime) -> str:
    """Sessions around a local wall-clock `now`: one under way, one later, tomorrow, this week."""
    rows = [
        _row("DEMO-S1", "coffee-hall", "Room 2", *_under_way(now), "DEMO-CH1;DEMO-CH2", "full"),
        # Kit and C.E.'s parent must not meet: each has their own arrival and departure times.
        _row("DEMO-S2", "greenleys", "Garden room", *_later(now), "DEMO-CH3", "supported",
             no_meet=True),
        _row("DEMO-S3", "coffee-hall", "Room 1", *_on(now, 1, time(10), 90), "DEMO-CH1", "full"),
        # In the community: the worker is asked "All OK?" while it runs.
        _row("DEMO-S4", "greenleys", "Garden room", *_on(now, 3, time(14), 60), "DEMO-CH1;DEMO-CH2",
             "supported", setting="community"),
    ]  # fmt: skip
    return (
        "ref,venue,room,date,start,end,worker_ref,child_refs,supervision,attendees,no_meet,"
        "parent_arrives,parent_leaves,carer_arrives,carer_leaves,setting\n"
        + "\n".join(rows)
        + "\n"
    )


def _row(
    ref: str,
    venue: str,
    room: str,
    start: datetime,
    end: datetime,
    children: str,
    level: str,
    *,
    no_meet: bool = False,
    setting: str = "",
) -> str:
    attendees = "P.E.:DEMO-P1" if "DEMO-CH1" in children else "Q.E.:DEMO-P2"
    windows = ",,,,"
    if no_meet:  # the parent comes first and leaves last; the carer brings the child between
        midnight = start.replace(hour=0, minute=0)
        parent_arrives = max(start - timedelta(minutes=30), midnight)
        carer_arrives = max(start - timedelta(minutes=15), midnight)
        parent_leaves = _within_day(start, end + timedelta(minutes=15))
        windows = (
            f"{parent_arrives:%H:%M},{parent_leaves:%H:%M},{carer_arrives:%H:%M},{end:%H:%M}"
        )
    return (
        f"{ref},{venue},{room},{start:%Y-%m-%d},{start:%H:%M},{end:%H:%M},DEMO-WORKER,"
        f"{children},{level},{attendees},{'yes' if no_meet else ''},{windows},{setting}"
    )


def _under_way(now: datetime) -> tuple[datetime, datetime]:
    """Started 20 minutes ago (on a five-minute mark), 90 minutes long, within today."""
    start = now.replace(minute=now.minute - now.minute % 5, second=0, microsecond=0)
    start = max(start - timedelta(minutes=20), now.replace(hour=0, minute=0, second=0))
    return start, _within_day(start, start + timedelta(minutes=90))


def _later(now: datetime) -> tuple[datetime, datetime]:
    """About two and a half hours from now (after midnight when it is late), an hour long."""
    start = now.replace(second=0, microsecond=0) + timedelta(minutes=150)
    start -= timedelta(minutes=start.minute % 5)
    return start, _within_day(start, start + timedelta(minutes=60))


def _on(now: datetime, days: int, at: time, minutes: int) -> tuple[datetime, datetime]:
    start = datetime.combine(now.date() + timedelta(days=days), at)
    return start, start + timedelta(minutes=minutes)


def _within_day(start: datetime, end: datetime) -> datetime:
    """A session never runs past midnight."""
    return min(end, start.replace(hour=23, minute=59))
