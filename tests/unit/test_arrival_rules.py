"""The 15-minute rule and parents' no-shows: when the worker is asked, when a no-show repeats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from handlers.service.config_sessions import Arrivals
from handlers.sessions.arrival_rules import (
    is_parent_question_due,
    parent_question_at,
    repeated_no_shows,
)
from storage.models import EventKind

STARTS = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
ENDS = STARTS + timedelta(minutes=90)
RULES = Arrivals()  # 15 minutes before the start; a second no-show within 28 days is flagged


def test_the_question_is_asked_the_configured_minutes_before_the_start() -> None:
    assert parent_question_at(STARTS, RULES) == STARTS - timedelta(minutes=15)
    assert parent_question_at(STARTS, Arrivals(parent_deadline_minutes=30)) == datetime(
        2026, 11, 24, 9, 30, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("now", "is_due"),
    [
        (STARTS - timedelta(minutes=15, seconds=1), False),  # not yet
        (STARTS - timedelta(minutes=15), True),  # at the deadline
        (STARTS + timedelta(minutes=10), True),  # a tick missed while down still asks
        (STARTS + timedelta(minutes=15), False),  # under way: a worker mid-session isn't asked
        (ENDS, False),  # over: nothing to decide
    ],
)
def test_the_question_is_due_from_the_deadline_until_as_long_after_the_start(
    now: datetime, is_due: bool
) -> None:
    assert is_parent_question_due(STARTS, ENDS, now, set(), RULES) is is_due


@pytest.mark.parametrize(
    ("marked", "is_due"),
    [
        ({EventKind.PARENT_ARRIVED.value}, False),
        ({EventKind.STARTED.value}, False),  # started: the parent is there
        ({EventKind.CHILD_ARRIVED.value}, True),  # the child alone doesn't answer it
        ({EventKind.WAITED_FOR_PARENT.value}, True),  # asked already: the outbox says once
    ],
)
def test_a_parent_marked_as_arrived_is_not_asked_about(marked: set[str], is_due: bool) -> None:
    now = STARTS - timedelta(minutes=10)
    assert is_parent_question_due(STARTS, ENDS, now, marked, RULES) is is_due


def test_a_first_no_show_is_not_flagged_and_a_second_within_the_period_is() -> None:
    now = datetime(2026, 11, 24, 9, 45, tzinfo=UTC)
    assert repeated_no_shows([now], now, RULES) is None
    assert repeated_no_shows([now - timedelta(days=27), now], now, RULES) == 2
    assert repeated_no_shows([now - timedelta(days=29), now], now, RULES) is None
    earlier = [now - timedelta(days=d) for d in (1, 5, 40)]
    assert repeated_no_shows([*earlier, now], now, RULES) == 3
    assert (
        repeated_no_shows([now - timedelta(days=10), now], now, Arrivals(no_show_period_days=7))
        is None
    )
