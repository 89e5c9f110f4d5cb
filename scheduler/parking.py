"""What one claim has taken so far, and how it puts aside the rows that must wait for their
chat (so a chat's backlog never fills a claim's window)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from scheduler.pacing import Pacer
from storage.models import OutboxMessage, Priority

__all__ = ["RECHECK", "ClaimState", "Claimed", "Parking"]

# How soon a row put aside because its chat was busy (a message on its way) is looked at again.
RECHECK = timedelta(milliseconds=100)


class Claimed(NamedTuple):
    """A leased row, ready to send."""

    row_id: int
    chat_id: int
    priority: int
    payload: dict[str, Any]


@dataclass
class ClaimState:
    """What one claim has taken so far, over the windows of the queue it reads."""

    parking: Parking
    pacer: Pacer | None
    claimed: list[Claimed] = field(default_factory=list)
    per_chat: dict[int, int] = field(default_factory=dict)
    seen: set[int] = field(default_factory=set)  # rows an earlier window of the claim looked at
    exhausted: bool = False  # the overall limit, or the batch, allows no more

    def is_full(self, batch: int) -> bool:
        return self.exhausted or len(self.claimed) >= batch


class Parking:
    """Puts a claim's rows that must wait for their chat out of the due range.

    A row left due would be read by every claim until its chat could take it, and a chat with
    a long backlog (a flood, a thousand reminders) would fill each claim's window, holding up
    every other chat behind it. Put aside, it comes due again when its chat can next send;
    a chat's order is kept by the claim's checks, not by these times. The times are real time,
    like pacing (Telegram counts real seconds). Which rows are put aside is the claim's rules'
    call (alert messages never are: they lead every window).
    """

    def __init__(self, pacer: Pacer | None, now: datetime) -> None:
        self._pacer = pacer
        self._now = now
        self._unpaced: Counter[int] = Counter()  # chat: rows put aside without pacing rows
        self._kept: Counter[int] = Counter()  # chat: waiting rows left in the due range
        self.next_in: timedelta | None = None  # until the soonest row put aside comes due
        self.count = 0  # rows put aside

    def kept(self, chat_id: int) -> int:
        """How many of this chat's waiting rows this claim has left in the due range."""
        return self._kept[chat_id]

    def keep(self, chat_id: int) -> None:
        """A row of this chat waits in the due range (it goes in a moment)."""
        self._kept[chat_id] += 1

    def put_aside(self, row: OutboxMessage, chat_id: int) -> None:
        """Take this row out of the due range until its chat can next send."""
        earliest = self._now + RECHECK
        if self._pacer is None:
            slot = earliest + RECHECK * self._unpaced[chat_id]
            self._unpaced[chat_id] += 1
        else:
            # Never put aside before, it joins the end of its chat's line; one that has come
            # due again keeps its place at the front.
            is_new = row.parked_until is None
            is_reply = row.priority < Priority.REMINDER
            slot = self._pacer.park(chat_id, earliest=earliest, is_new=is_new, is_reply=is_reply)
        row.parked_until = slot
        self.count += 1
        wait = slot - self._now
        self.next_in = wait if self.next_in is None else min(self.next_in, wait)
