"""The pure rules of a worker's notes: which session is "now", which words read as opinion."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from handlers.service.config_sessions import Notes
from handlers.sessions.note_rules import is_now, opinion_nudge, opinion_words_in, sessions_now

AT = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
BEFORE, AFTER = timedelta(minutes=30), timedelta(minutes=60)
WORDS = Notes().opinion_words


@dataclass(frozen=True)
class Booked:
    starts_at: datetime
    ends_at: datetime
    ended_at: datetime | None = None
    ref: str = ""


def _booked(start: int, end: int, ended: int | None = None, ref: str = "") -> Booked:
    """A session by minutes from AT."""
    minutes = timedelta(minutes=1)
    return Booked(
        AT + start * minutes,
        AT + end * minutes,
        AT + ended * minutes if ended is not None else None,
        ref,
    )


@pytest.mark.parametrize(
    ("start", "end", "ended", "expected"),
    [
        (-30, 60, None, True),  # running
        (30, 120, None, True),  # starts in 30 minutes
        (31, 120, None, False),  # starts in 31
        (-120, -60, None, False),  # ended 60 minutes ago: the window is over
        (-120, -59, None, True),  # ended 59 minutes ago
        (-90, 60, -61, False),  # ended early, 61 minutes ago: the actual end counts
        (-90, 60, -10, True),  # ended early, 10 minutes ago
        (-180, -120, -5, True),  # ran over, ended 5 minutes ago
    ],
)
def test_a_session_is_now_from_before_its_start_until_after_its_end(
    start: int, end: int, ended: int | None, expected: bool
) -> None:
    assert is_now(_booked(start, end, ended), AT, before=BEFORE, after=AFTER) is expected


def test_the_running_session_comes_first_then_by_start() -> None:
    sessions = [
        _booked(20, 90, ref="soon"),
        _booked(-100, -10, ref="just ended"),
        _booked(-5, 60, ref="running"),
        _booked(200, 260, ref="later"),
    ]
    found = sessions_now(sessions, AT, before=BEFORE, after=AFTER)
    assert [s.ref for s in found] == ["running", "just ended", "soon"]


@pytest.mark.parametrize(
    ("note", "found"),
    [
        ("Mum appeared tired", ["appeared"]),
        ("Child was CLEARLY upset when dad left", ["clearly", "upset"]),
        ("It looked  like she was angry", ["looked like", "angry"]),
        ("Dad said 'I'm upsetting you' and left the room", []),  # a word inside another
        ("Child cried for two minutes, then played with the blocks", []),
        ("Mum seemed-distracted", ["seemed"]),
    ],
)
def test_opinion_words_are_found_as_whole_words_or_phrases_in_any_case(
    note: str, found: list[str]
) -> None:
    assert opinion_words_in(note, WORDS) == found


def test_the_nudge_is_one_line_naming_the_words() -> None:
    nudge = opinion_nudge(["seemed", "angry"])
    assert nudge == "“seemed”, “angry” reads as an opinion: what did you see or hear that shows it?"
    assert "\n" not in nudge
