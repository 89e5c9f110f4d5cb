"""Which reminders are due when, decided without a database, across the clocks changing."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from handlers.service.config_sessions import Reminders
from handlers.sessions.reminder_schedule import (
    CARER_EVENING,
    CARER_SOON,
    WORKER_BRIEFING,
    WORKER_SOON,
    due_reminders,
)

LONDON = ZoneInfo("Europe/London")
SETTINGS = Reminders()  # the evening before at 18:00, 2 h before; briefing 08:00, 30 min before
MINUTE = timedelta(minutes=1)


def london(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=LONDON)  # type: ignore[misc]


def offset(at: datetime | None) -> timedelta | None:
    return at.astimezone(LONDON).utcoffset() if at is not None else None


def first_due(starts_at: datetime, kind: str) -> datetime | None:
    """Walk the clock a minute at a time (in UTC, as the scheduler does) to when `kind` turns due.

    Asserts it turns due once and stays due (so the outbox's dedupe key queues it once).
    """
    now = (starts_at - timedelta(days=2)).astimezone(UTC)
    turned: list[datetime] = []
    was_due = False
    while now < starts_at:
        is_due = kind in due_reminders(SETTINGS, LONDON, starts_at, now)
        if is_due and not was_due:
            turned.append(now)
        if kind not in (CARER_EVENING, WORKER_BRIEFING):  # these give way to "soon", by design
            assert not (was_due and not is_due), f"{kind} stopped being due at {now}"
        was_due = is_due
        now += MINUTE
    assert len(turned) <= 1, f"{kind} turned due {len(turned)} times"
    return turned[0] if turned else None


def test_the_day_before_and_two_hours_before_on_an_ordinary_day() -> None:
    starts = london(2026, 11, 24, 10, 0)
    assert first_due(starts, CARER_EVENING) == london(2026, 11, 23, 18, 0)
    assert first_due(starts, CARER_SOON) == london(2026, 11, 24, 8, 0)
    assert first_due(starts, WORKER_BRIEFING) == london(2026, 11, 24, 8, 0)
    assert first_due(starts, WORKER_SOON) == london(2026, 11, 24, 9, 30)


def test_clocks_going_back_in_october_keep_local_times_and_fire_once() -> None:
    # BST ends at 02:00 on Sunday 25 October 2026: 01:00-02:00 happens twice.
    monday = london(2026, 10, 26, 10, 0)
    evening = first_due(monday, CARER_EVENING)
    assert evening == london(2026, 10, 25, 18, 0)
    assert offset(evening) == timedelta(0)  # GMT by then
    sunday = london(2026, 10, 25, 10, 0)
    evening = first_due(sunday, CARER_EVENING)
    assert evening == london(2026, 10, 24, 18, 0)
    assert offset(evening) == timedelta(hours=1)  # still BST
    # Two hours of real time before a 03:00 start is 01:00 GMT, the second 01:00 of the night.
    early = london(2026, 10, 25, 3, 0)
    soon = first_due(early, CARER_SOON)
    assert soon == early.astimezone(UTC) - timedelta(hours=2)
    assert soon is not None and soon.astimezone(LONDON).hour == 1


def test_clocks_going_forward_in_march_keep_local_times_and_fire_once() -> None:
    # BST starts at 01:00 GMT on Sunday 28 March 2027: 01:00-02:00 never happens.
    monday = london(2027, 3, 29, 10, 0)
    evening = first_due(monday, CARER_EVENING)
    assert evening == london(2027, 3, 28, 18, 0)
    assert offset(evening) == timedelta(hours=1)
    assert first_due(monday, WORKER_BRIEFING) == london(2027, 3, 29, 8, 0)
    early = london(2027, 3, 28, 3, 0)  # 02:00 GMT: two real hours before is 00:00 GMT
    assert first_due(early, CARER_SOON) == datetime(2027, 3, 28, 0, 0, tzinfo=UTC)


def test_a_missed_evening_reminder_gives_way_to_the_soon_one() -> None:
    starts = london(2026, 11, 24, 10, 0)
    due = due_reminders(SETTINGS, LONDON, starts, london(2026, 11, 24, 8, 30))
    assert due == {CARER_SOON, WORKER_BRIEFING}


def test_a_session_booked_inside_its_last_half_hour_gives_the_worker_one_reminder() -> None:
    starts = london(2026, 11, 24, 9, 30)  # imported at 09:07, after the 08:00 briefing
    due = due_reminders(SETTINGS, LONDON, starts, london(2026, 11, 24, 9, 7))
    assert due == {CARER_SOON, WORKER_SOON}


def test_nothing_is_due_once_the_session_has_started() -> None:
    starts = london(2026, 11, 24, 10, 0)
    assert due_reminders(SETTINGS, LONDON, starts, starts) == frozenset()


def test_other_settings_move_the_times() -> None:
    settings = Reminders(carer_evening_before=time(19, 30), carer_minutes_before=60)
    starts = london(2026, 11, 24, 10, 0)
    assert CARER_EVENING not in due_reminders(
        settings, LONDON, starts, london(2026, 11, 23, 19, 29)
    )
    assert CARER_EVENING in due_reminders(settings, LONDON, starts, london(2026, 11, 23, 19, 30))
    assert CARER_SOON in due_reminders(settings, LONDON, starts, london(2026, 11, 24, 9, 0))


@given(
    start=st.datetimes(
        min_value=datetime(2026, 1, 1),
        max_value=datetime(2028, 12, 31),
        timezones=st.just(UTC),
    ),
    offset_minutes=st.integers(0, 60 * 48),
)
def test_each_reminder_is_due_from_its_local_time_and_stays_due(
    start: datetime, offset_minutes: int
) -> None:
    starts = start.replace(second=0, microsecond=0)
    now = starts - timedelta(minutes=offset_minutes)
    due = due_reminders(SETTINGS, LONDON, starts, now)
    local_day = starts.astimezone(LONDON).date()
    evening = datetime.combine(local_day - timedelta(days=1), time(18, 0), tzinfo=LONDON)
    if now < starts:
        assert (WORKER_SOON in due) == (now >= starts - timedelta(minutes=30))
        assert (CARER_SOON in due) == (now >= starts - timedelta(hours=2))
        assert (CARER_EVENING in due) == (evening <= now < starts - timedelta(hours=2))
        briefing = datetime.combine(local_day, time(8, 0), tzinfo=LONDON)
        assert (WORKER_BRIEFING in due) == (briefing <= now < starts - timedelta(minutes=30))
        later = due_reminders(SETTINGS, LONDON, starts, min(now + MINUTE, starts - MINUTE))
        # once due, due until the session starts (the first two give way to the "soon" ones)
        assert due - {CARER_EVENING, WORKER_BRIEFING} <= later
    else:
        assert due == frozenset()
