"""What a change by the service says to whom: pure, from the session's facts before and after."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from handlers.service.clock import FakeClock
from handlers.service.config import load_service_config
from handlers.service.context import ServiceContext, span_words
from handlers.sessions.service_change_notices import Change, Notice, SessionFacts
from storage.models import Session, SessionStatus
from tests.conftest import EXAMPLE_CONFIG

LONDON = ZoneInfo("Europe/London")
CONFIG = load_service_config(EXAMPLE_CONFIG)
BEFORE = SessionFacts(
    starts_at=datetime(2026, 11, 24, 10, 0, tzinfo=UTC),
    ends_at=datetime(2026, 11, 24, 11, 30, tzinfo=UTC),
    venue_code="coffee-hall",
    room="Room 2",
    worker_id=1,
    status=SessionStatus.SCHEDULED.value,
)
BOOKED = Session(ref="S1", supervision_level="full")


def notice(after: SessionFacts, workers: tuple[str, str] = ("Wren", "Wren")) -> Notice:
    return Notice(Change(BEFORE, after), LONDON, ("Coffee Hall, Room 2", "Greenleys"), workers)


def test_only_what_people_rely_on_counts_as_a_change() -> None:
    assert not Change(BEFORE, BEFORE).is_worth_telling
    completed = replace(BEFORE, status=SessionStatus.COMPLETED.value)
    assert not Change(BEFORE, completed).is_worth_telling
    assert Change(BEFORE, replace(BEFORE, room="Room 5")).is_worth_telling
    cancelled = replace(BEFORE, status=SessionStatus.CANCELLED.value)
    assert Change(BEFORE, cancelled).is_cancelled
    assert Change(cancelled, BEFORE).is_back_on
    assert not Change(cancelled, replace(cancelled, room="Room 5")).is_worth_telling  # still off


def test_a_time_across_the_clock_change_reads_in_local_time() -> None:
    spring = replace(  # Monday 29 March 2027 is in British Summer Time
        BEFORE,
        starts_at=datetime(2027, 3, 29, 9, 0, tzinfo=UTC),
        ends_at=datetime(2027, 3, 29, 10, 30, tzinfo=UTC),
    )
    assert notice(spring).lines() == ["Time: Tue 24 Nov, 10:00–11:30 → Mon 29 Mar, 10:00–11:30"]


def test_a_new_worker_is_told_they_have_it_and_the_old_one_that_they_do_not() -> None:
    handed_on = notice(replace(BEFORE, worker_id=2), workers=("Wren", "Will"))
    told = handed_on.for_workers(BOOKED, "A.B. (CH1)")
    assert set(told) == {1, 2}
    assert "no longer yours" in told[1] and told[2].startswith("🗓 You now have session S1")
    carer = handed_on.for_carer("A.B.", "01632 960001")
    assert "Worker: Wren → Will" in carer and "A.B. (CH1)" not in carer  # initials only


def test_a_cancellation_handed_on_tells_only_the_old_worker() -> None:
    both = replace(BEFORE, worker_id=2, status=SessionStatus.CANCELLED.value)
    told = notice(both, workers=("Wren", "Will")).for_workers(BOOKED, "A.B. (CH1)")
    assert list(told) == [1]


def test_a_day_early_in_the_month_reads_as_the_pre_visit_days_do() -> None:
    early = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
    assert span_words(early, early.replace(hour=11), LONDON) == "Fri 4 Dec, 10:00–11:00"
    assert ServiceContext(CONFIG, FakeClock(early)).show_time(early) == "Fri 4 Dec, 10:00"


def test_a_carer_who_must_not_meet_the_parent_is_given_their_own_times() -> None:
    own = replace(
        BEFORE,
        carer_arrives_at=datetime(2026, 11, 24, 9, 45, tzinfo=UTC),
        carer_leaves_at=datetime(2026, 11, 24, 11, 30, tzinfo=UTC),
    )
    moved = replace(
        own,
        starts_at=datetime(2026, 11, 25, 14, 0, tzinfo=UTC),
        ends_at=datetime(2026, 11, 25, 15, 0, tzinfo=UTC),
        carer_arrives_at=datetime(2026, 11, 25, 13, 45, tzinfo=UTC),
        carer_leaves_at=datetime(2026, 11, 25, 15, 0, tzinfo=UTC),
    )
    told = Notice(Change(own, moved), LONDON, ("Greenleys", "Greenleys"), ("Wren", "Wren"))
    carer = told.for_carer("A.B.", "01632 960001")
    assert (
        "Time: Tue 24 Nov, 09:45–11:30 (your own times) → Wed 25 Nov, 13:45–15:00 (your own times)"
    ) in carer
    assert "It is now Wed 25 Nov, 13:45–15:00 (your own times) at Greenleys" in carer
    assert "10:00" not in carer and "14:00" not in carer  # never the session's start
    worker = told.for_workers(BOOKED, "A.B. (CH1)")[1]
    assert "Wed 25 Nov, 14:00–15:00" in worker  # staff keep the session's own times


def test_a_move_of_the_carers_own_times_alone_is_told_to_the_carer_and_the_worker() -> None:
    own = replace(
        BEFORE,
        carer_arrives_at=datetime(2026, 11, 24, 9, 45, tzinfo=UTC),
        carer_leaves_at=datetime(2026, 11, 24, 11, 30, tzinfo=UTC),
    )
    later = replace(own, carer_arrives_at=datetime(2026, 11, 24, 9, 50, tzinfo=UTC))
    change = Change(own, later)
    assert change.is_worth_telling and not change.is_time_changed
    told = Notice(change, LONDON, ("Greenleys", "Greenleys"), ("Wren", "Wren"))
    carer = told.for_carer("A.B.", "01632 960001")
    assert (
        "Time: Tue 24 Nov, 09:45–11:30 (your own times) → Tue 24 Nov, 09:50–11:30 (your own times)"
    ) in carer
    assert "10:00" not in carer  # never the session's start
    worker = told.for_workers(BOOKED, "A.B. (CH1)")[1]
    assert "Carer's times: Tue 24 Nov, 09:45–11:30 → Tue 24 Nov, 09:50–11:30" in worker


def test_a_session_moving_around_the_carers_own_times_is_no_news_for_the_carer() -> None:
    own = replace(
        BEFORE,
        carer_arrives_at=datetime(2026, 11, 24, 9, 45, tzinfo=UTC),
        carer_leaves_at=datetime(2026, 11, 24, 11, 30, tzinfo=UTC),
    )
    parent_later = replace(own, starts_at=datetime(2026, 11, 24, 10, 15, tzinfo=UTC))
    told = Notice(Change(own, parent_later), LONDON, ("Greenleys", "Greenleys"), ("Wren", "Wren"))
    assert not told.is_news_for_carer  # the carer isn't told at all: nothing of theirs moved
    carer = told.for_carer("A.B.", "01632 960001")
    assert "Time:" not in carer and "10:15" not in carer  # nothing of the parent's side
    new_room = Change(own, replace(parent_later, room="Room 5"))
    assert Notice(new_room, LONDON, ("Greenleys", "Greenleys, Room 5"), ("Wren", "Wren")).lines(
        is_for_carer=True
    ) == ["Where: Greenleys → Greenleys, Room 5"]
