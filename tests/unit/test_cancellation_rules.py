"""When a called-off session is flagged: late notice, and a child refusing again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from handlers.service.config_sessions import Cancellation
from handlers.sessions.cancellation_rules import is_late_notice, repeated_refusals

STARTS = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
RULES = Cancellation()  # 24 hours' notice; a refusal twice within 28 days repeats


@pytest.mark.parametrize(
    ("before", "is_late"),
    [
        (timedelta(days=3), False),
        (timedelta(hours=24), False),  # exactly the notice asked for is in time
        (timedelta(hours=23, minutes=59), True),
        (timedelta(minutes=5), True),
    ],
)
def test_a_session_called_off_under_the_notice_period_is_late(
    before: timedelta, is_late: bool
) -> None:
    assert is_late_notice(STARTS, STARTS - before, RULES) is is_late


def test_the_notice_period_comes_from_the_config() -> None:
    relaxed = Cancellation(late_notice_hours=2)
    assert not is_late_notice(STARTS, STARTS - timedelta(hours=3), relaxed)
    assert is_late_notice(STARTS, STARTS - timedelta(hours=1), relaxed)


def test_one_refusal_is_not_flagged_and_a_second_within_the_period_is() -> None:
    now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    assert repeated_refusals([now], now, RULES) is None
    assert repeated_refusals([now - timedelta(days=27), now], now, RULES) == 2
    assert (
        repeated_refusals([now - timedelta(days=3), now - timedelta(days=2), now], now, RULES) == 3
    )


def test_a_refusal_before_the_period_no_longer_counts() -> None:
    now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    assert repeated_refusals([now - timedelta(days=29), now], now, RULES) is None
    three_times = Cancellation(refusal_repeat_count=3, refusal_period_days=7)
    assert repeated_refusals([now - timedelta(days=1), now], now, three_times) is None
    earlier = [now - timedelta(days=6), now - timedelta(days=1), now]
    assert repeated_refusals(earlier, now, three_times) == 3
