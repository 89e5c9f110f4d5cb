"""The sandbox's clock: real time plus however far the page has moved it on."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo


class SandboxClock:
    """Runs at the real rate from a chosen start; moving it on never touches the real clock."""

    def __init__(self, start: datetime | None = None) -> None:
        if start is not None and start.tzinfo is None:
            raise ValueError("SandboxClock needs an aware datetime")
        self._start = start
        self._offset = timedelta(0)
        self.reset()

    def now(self) -> datetime:
        """The current sandbox instant, timezone-aware in UTC."""
        return datetime.now(UTC) + self._offset

    def advance(self, delta: timedelta) -> None:
        """Move the sandbox time forward (never back: the bot's deadlines only go forward)."""
        if delta > timedelta(0):
            self._offset += delta

    def advance_to_tomorrow(self, at: time, zone: ZoneInfo) -> None:
        """Move on to tomorrow's local `at` (the morning briefings and reminders)."""
        local = self.now().astimezone(zone)
        target = datetime.combine(local.date() + timedelta(days=1), at, tzinfo=zone)
        self.advance(target - local)

    def reset(self) -> None:
        """Back to where it started: the real now, or the start it was given."""
        start = self._start
        self._offset = timedelta(0) if start is None else start - datetime.now(UTC)
