"""What every use case needs to know about the service and the time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.service.clock import Clock
from handlers.service.config import ServiceConfig
from handlers.service.limits import DEFAULT_LIMIT, SenderLimit


def time_words(at: datetime, zone: ZoneInfo) -> str:
    """An instant as a person reads it, e.g. 'Tue 24 Nov, 10:00' ('Fri 4 Dec', as the
    pre-visit's days are written)."""
    local = at.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b, %H:%M}"


def span_words(starts_at: datetime, ends_at: datetime, zone: ZoneInfo) -> str:
    """A stretch of time as a person reads it: 'Tue 24 Nov, 10:00–11:30'."""
    return f"{time_words(starts_at, zone)}–{ends_at.astimezone(zone):%H:%M}"


@dataclass(frozen=True)
class ServiceContext:
    """The council's configuration, the clock, the bot's public name and how fast one account
    may send."""

    config: ServiceConfig
    clock: Clock
    bot_username: str = "familytime_bot"
    sender_limit: SenderLimit = DEFAULT_LIMIT

    @property
    def zone(self) -> ZoneInfo:
        """The service's time zone."""
        return ZoneInfo(self.config.timezone)

    def now(self) -> datetime:
        """The current instant in UTC."""
        return self.clock.now()

    def local(self, at: datetime) -> datetime:
        """An instant as the service's wall clock shows it."""
        return at.astimezone(self.zone)

    def show_time(self, at: datetime) -> str:
        """An instant as a person reads it in the service's zone: 'Tue 24 Nov, 10:00'."""
        return time_words(at, self.zone)

    def show_span(self, starts_at: datetime, ends_at: datetime) -> str:
        """A stretch of time in the service's zone: 'Tue 24 Nov, 10:00–11:30'."""
        return span_words(starts_at, ends_at, self.zone)
