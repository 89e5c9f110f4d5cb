"""What every use case needs to know about the service and the time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.service.clock import Clock
from handlers.service.config import ServiceConfig
from handlers.service.limits import DEFAULT_LIMIT, SenderLimit


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
        """An instant as a person reads it, e.g. 'Tue 24 Nov, 10:00' ('Fri 4 Dec', as the
        pre-visit's days are written)."""
        local = self.local(at)
        return f"{local:%a} {local.day} {local:%b, %H:%M}"
