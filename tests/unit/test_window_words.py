"""A configured window reads as the config says it, never as a fixed "today or tomorrow"."""

from __future__ import annotations

import pytest

from handlers.service.labels import within_days


@pytest.mark.parametrize(
    ("days", "words"),
    [
        (2, "in the next 2 days"),
        (1, "in the next day"),
        (1.5, "in the next 36 hours"),
        (0.5, "in the next 12 hours"),
        (7, "in the next 7 days"),
    ],
)
def test_the_handover_window_reads_as_configured(days: float, words: str) -> None:
    assert within_days(days) == words
