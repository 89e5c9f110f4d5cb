"""Telegram's limits (about 30 messages a second overall, one a second per chat, short bursts
tolerated), kept in the database so every instance shares them.

Each limit is a generic cell rate algorithm: a send at `now` is allowed when the key's
`allowed_at` is no later than `now + tolerance`; the send moves `allowed_at` on by one interval.
Pacing runs on the real clock, whatever clock the domain uses: Telegram counts real seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import DeliveryPacing

GLOBAL = "global"


@dataclass(frozen=True)
class Limit:
    """So many messages a second on average, with a burst of `burst` at once."""

    per_second: float
    burst: int

    @property
    def interval(self) -> timedelta:
        """The time one message uses up."""
        return timedelta(seconds=1 / self.per_second)

    @property
    def tolerance(self) -> timedelta:
        """How far ahead of the average a burst may run."""
        return self.interval * (self.burst - 1)


@dataclass(frozen=True)
class Limits:
    """The limits the dispatcher keeps to (defaults from Telegram's published guidance)."""

    # A little under Telegram's 30/s, so that network jitter never pushes us over it.
    overall: Limit = Limit(per_second=28, burst=20)
    # A person tapping through a conversation gets an edit and a question per tap: allow that
    # burst, and hold longer runs (broadcasts) to one a second.
    per_chat: Limit = Limit(per_second=1, burst=6)


def chat_key(chat_id: int) -> str:
    """The pacing key of one chat."""
    return f"chat:{chat_id}"


# Built once, since every claim runs them.
_ROWS = select(DeliveryPacing).where(DeliveryPacing.key.in_(bindparam("keys", expanding=True)))
_LOCKED_ROWS = _ROWS.order_by(DeliveryPacing.key).with_for_update()  # locked in one order
_LOCK_TIMEOUT = text("SET LOCAL lock_timeout = '5s'")
_ADD_ROWS = {
    "postgresql": pg_insert(DeliveryPacing).on_conflict_do_nothing(index_elements=["key"]),
    "sqlite": sqlite_insert(DeliveryPacing).on_conflict_do_nothing(index_elements=["key"]),
}


class Pacer:
    """The limits as one claim transaction sees them; `save` writes back what it used."""

    def __init__(self, uow: AsyncSession, limits: Limits, now: datetime) -> None:
        self._session = uow
        self._limits = limits
        self._now = now
        self._rows: dict[str, DeliveryPacing] = {}
        self.wait: timedelta | None = None  # until the next send would be allowed

    async def load(self, chat_ids: set[int], *, lock: bool) -> None:
        """Read (and on PostgreSQL lock) the rows for these chats and the overall limit, bar
        those already read.

        The overall row is locked first, then the chats' in key order: a claim that reads a
        second window locks more chats later, and every claim holding the overall row first
        means no two claims can each hold a lock the other waits for.
        """
        keys = ({GLOBAL} | {chat_key(c) for c in chat_ids}) - self._rows.keys()
        if not keys:
            return
        if lock:
            # Never wait for ever on another transaction's lock: fail, and the next drain retries.
            await self._session.execute(_LOCK_TIMEOUT)
        for group in ({GLOBAL} & keys, keys - {GLOBAL}):
            if group:
                await self._load_group(group, lock=lock)

    async def _load_group(self, keys: set[str], *, lock: bool) -> None:
        self._rows |= await self._read(keys, lock=lock)
        missing = keys - self._rows.keys()
        if missing:  # first sends to these chats: add their rows (another instance may too)
            dialect = self._session.get_bind().dialect.name
            await self._session.execute(
                _ADD_ROWS[dialect], [{"key": k, "allowed_at": self._now} for k in sorted(missing)]
            )
            self._rows |= await self._read(missing, lock=lock)

    async def _read(self, keys: set[str], *, lock: bool) -> dict[str, DeliveryPacing]:
        rows = await self._session.scalars(_LOCKED_ROWS if lock else _ROWS, {"keys": list(keys)})
        return {row.key: row for row in rows}

    def _ready_in(self, key: str, limit: Limit) -> timedelta:
        earliest = self._rows[key].allowed_at - limit.tolerance
        return max(timedelta(0), earliest - self._now)

    def overall_ready_in(self) -> timedelta:
        """How long until the overall limit allows a send (zero: now)."""
        return self._ready_in(GLOBAL, self._limits.overall)

    def chat_ready_in(self, chat_id: int) -> timedelta:
        """How long until this chat's limit (or a 429's pause) allows a send (zero: now)."""
        return self._ready_in(chat_key(chat_id), self._limits.per_chat)

    def use(self, chat_id: int) -> None:
        """Count one send to this chat against both limits."""
        key = chat_key(chat_id)
        for name, limit in ((key, self._limits.per_chat), (GLOBAL, self._limits.overall)):
            row = self._rows[name]
            row.allowed_at = max(row.allowed_at, self._now) + limit.interval

    def park(
        self, chat_id: int, *, earliest: datetime, is_new: bool, is_reply: bool = False
    ) -> datetime:
        """When a message of this chat that cannot go now should be looked at again.

        Never before the chat's limit allows a send. A message not put aside before goes one
        per-chat interval after the last one of its kind put aside (replies and reminders
        keep separate lines, since a reply never waits behind reminders), so a chat's backlog
        comes due a message at a time instead of filling every claim; one put aside before
        (the head of the chat's queue) keeps its place at the front, looked at again a
        per-chat interval later.
        """
        row = self._rows[chat_key(chat_id)]
        interval = self._limits.per_chat.interval
        if not is_new:
            earliest = max(earliest, self._now + interval)
        slot = max(earliest, self._now + self._ready_in(row.key, self._limits.per_chat))
        last = row.parked_replies_until if is_reply else row.parked_until
        if is_new and last is not None:
            slot = max(slot, last + interval)
        if last is None or slot > last:
            if is_reply:
                row.parked_replies_until = slot
            else:
                row.parked_until = slot
        return slot

    def pause(self, chat_id: int, seconds: float) -> None:
        """Telegram said 429 for this chat: nothing more goes to it for `seconds`."""
        row = self._rows[chat_key(chat_id)]
        resume = self._now + timedelta(seconds=seconds) + self._limits.per_chat.tolerance
        row.allowed_at = max(row.allowed_at, resume)

    def note_wait(self, ready_in: timedelta) -> None:
        """A limit held a send back: the claim looks again when the soonest one allows it."""
        self.wait = ready_in if self.wait is None else min(self.wait, ready_in)
