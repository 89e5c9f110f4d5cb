"""How much the bot listens to one account: the limit every update is measured against."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class SenderLimit:
    """So many updates at once, then one every `interval`; told to slow down once per `quiet`."""

    burst: int = 20
    interval: timedelta = timedelta(seconds=1)
    quiet: timedelta = timedelta(minutes=2)
    # A person who isn't linked is answered once in this long.
    stranger_quiet: timedelta = timedelta(minutes=10)

    @property
    def tolerance(self) -> timedelta:
        """How far ahead of the average a burst may run."""
        return self.interval * (self.burst - 1)


DEFAULT_LIMIT = SenderLimit()
