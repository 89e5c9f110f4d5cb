"""How long a failed send waits before it is tried again."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from scheduler.delivery_outcomes import MAX_BACKOFF, MIN_BACKOFF, retry_delay


def bounds(low: float, high: float) -> float:
    """A draw that shows the range it was asked for (its upper end)."""
    assert low == MIN_BACKOFF
    return high


def test_telegrams_retry_after_is_kept_exactly() -> None:
    assert retry_delay(3, 7.0, draw=bounds) == 7.0
    assert retry_delay(20, 1.0, draw=bounds) == 1.0  # no backoff added on top


def test_the_backoff_doubles_with_each_attempt_up_to_a_minute() -> None:
    assert [retry_delay(n, None, draw=bounds) for n in range(1, 8)] == [
        2.0,
        4.0,
        8.0,
        16.0,
        32.0,
        MAX_BACKOFF,
        MAX_BACKOFF,
    ]


@given(st.integers(1, 40))
def test_a_jittered_backoff_stays_between_half_a_second_and_a_minute(attempts: int) -> None:
    delay = retry_delay(attempts, None)
    assert MIN_BACKOFF <= delay <= min(MAX_BACKOFF, 2.0**attempts)
