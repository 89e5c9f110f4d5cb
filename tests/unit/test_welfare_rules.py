"""Welfare check-ins: which sessions have them, which check is due, when an answer is late."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from handlers.service.config_sessions import Welfare
from handlers.sessions.welfare_rules import (
    has_welfare_checks,
    is_answer_overdue,
    latest_check_due,
)

BEGAN = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
ENDS = BEGAN + timedelta(minutes=90)
RULES = Welfare()  # every 30 minutes, 10 to answer


@pytest.mark.parametrize(
    ("setting", "is_lone", "has_checks"),
    [("centre", False, False), ("community", False, True), ("centre", True, True)],
)
def test_community_or_lone_sessions_have_welfare_checks(
    setting: str, is_lone: bool, has_checks: bool
) -> None:
    assert has_welfare_checks(setting, is_lone) is has_checks


@pytest.mark.parametrize(
    ("minutes", "due_minutes"),
    [
        (29, None),  # before the first
        (30, 30),
        (59, 30),
        (60, 60),
        (75, 60),
        (89, 60),
        (90, None),  # the booked end: nothing to ask
        (200, None),
    ],
)
def test_the_latest_check_due_is_asked_every_interval_until_the_booked_end(
    minutes: int, due_minutes: int | None
) -> None:
    due = latest_check_due(BEGAN, ENDS, BEGAN + timedelta(minutes=minutes), RULES)
    assert due == (None if due_minutes is None else BEGAN + timedelta(minutes=due_minutes))


def test_a_started_mark_moves_the_checks_and_the_interval_is_the_councils() -> None:
    started = BEGAN + timedelta(minutes=7)
    assert latest_check_due(started, ENDS, BEGAN + timedelta(minutes=36), RULES) is None
    assert latest_check_due(started, ENDS, BEGAN + timedelta(minutes=37), RULES) == started + (
        timedelta(minutes=30)
    )
    every_20 = Welfare(interval_minutes=20)
    assert latest_check_due(BEGAN, ENDS, BEGAN + timedelta(minutes=45), every_20) == BEGAN + (
        timedelta(minutes=40)
    )


def test_an_answer_is_overdue_once_the_grace_is_over() -> None:
    asked = BEGAN + timedelta(minutes=30)
    assert not is_answer_overdue(asked, asked + timedelta(minutes=9, seconds=59), RULES)
    assert is_answer_overdue(asked, asked + timedelta(minutes=10), RULES)
    assert not is_answer_overdue(asked, asked + timedelta(minutes=10), Welfare(grace_minutes=15))


def test_the_grace_must_end_before_the_next_check() -> None:
    with pytest.raises(ValueError, match="grace_minutes must be less than interval_minutes"):
        Welfare(interval_minutes=10, grace_minutes=10)
