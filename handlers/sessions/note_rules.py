"""The worker's notes, as pure rules: which sessions are "now", and words that read as opinion."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from storage.session_notes import NoteKind

KIND_LABELS = {
    NoteKind.OBSERVED: "👁 Observed",
    NoteKind.SAID: "💬 Said",
    NoteKind.REPORTED: "🗣 Reported",
    NoteKind.VIEW: "🧠 My view",
}
# How each kind reads on the record and in the confirmation.
KIND_WORDS = {
    NoteKind.OBSERVED: "observed",
    NoteKind.SAID: "words as said",
    NoteKind.REPORTED: "reported",
    NoteKind.VIEW: "my professional view",
}


class Timed(Protocol):
    """What the "now" rule needs of a session."""

    @property
    def starts_at(self) -> datetime: ...

    @property
    def ends_at(self) -> datetime: ...

    @property
    def ended_at(self) -> datetime | None: ...


def is_now(session: Timed, now: datetime, *, before: timedelta, after: timedelta) -> bool:
    """Running now, starting within `before`, or ended (as ended, else as planned) within
    `after`."""
    end = session.ended_at or session.ends_at
    return session.starts_at - before <= now < end + after


S = TypeVar("S", bound=Timed)


def sessions_now(
    sessions: Iterable[S], now: datetime, *, before: timedelta, after: timedelta
) -> list[S]:
    """The sessions that are "now", the one running first, then by start."""
    found = [s for s in sessions if is_now(s, now, before=before, after=after)]
    return sorted(found, key=lambda s: (not s.starts_at <= now < s.ends_at, s.starts_at))


def opinion_words_in(text: str, words: Sequence[str]) -> list[str]:
    """The configured opinion words or phrases found in a note, whole words, in list order."""
    found = []
    for word in words:
        phrase = r"\s+".join(re.escape(part) for part in word.split())
        if phrase and re.search(rf"(?<!\w){phrase}(?!\w)", text, flags=re.IGNORECASE):
            found.append(word)
    return found


def opinion_nudge(found: Sequence[str]) -> str:
    """The one-line nudge on an observed note that reads as an opinion."""
    quoted = ", ".join(f"“{word}”" for word in found)
    return f"{quoted} reads as an opinion: what did you see or hear that shows it?"
