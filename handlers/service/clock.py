"""An injectable clock, so tests move time instead of sleeping."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Tells the current instant."""

    def now(self) -> datetime:
        """The current instant, timezone-aware in UTC."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """The current instant, timezone-aware in UTC."""
        return datetime.now(UTC)


@dataclass(frozen=True)
class FixedClock:
    """One instant: for work handed `now` (an import) that calls a use case taking a context."""

    at: datetime

    def now(self) -> datetime:
        """The instant, timezone-aware in UTC."""
        return self.at


class FakeClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        """The current instant, timezone-aware in UTC."""
        return self._now

    def advance(self, delta: timedelta) -> None:
        """Move time forward."""
        self._now += delta

    def set(self, at: datetime) -> None:
        """Jump to an instant."""
        self._now = at.astimezone(UTC)
