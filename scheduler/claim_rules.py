"""What a claim does with one due row: take it, leave it due, put it aside, or fail it.

Pure: the claim reads the facts (from the database and the pacing rows) and applies the
decision; the rules themselves need neither, so they are tested on their own.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import timedelta

from storage.models import Priority

PER_CHAT_IN_CLAIM = 2  # a chat's later rows go in the next claim, within a lease of their own
# Messages and files count against Telegram's limits; button answers don't.
PACED_KINDS = ("send", "document", "edit")
# A chat's rows left in the due range while they only wait for its message on its way (they
# go in a moment); the rest are put aside, so one chat takes at most these places in a window.
KEPT_IN_WINDOW = 4
NO_WAIT = timedelta(0)


class EditTarget(enum.Enum):
    """Where the message an edit changes stands."""

    NONE = "not an edit"
    SENT = "sent"  # its message id is known: the edit can go
    PENDING = "pending"  # not sent yet: the edit waits for it
    GONE = "gone"  # never delivered (failed, or purged): the edit never can be


class Verdict(enum.Enum):
    """What the claim does with the row."""

    TAKE = "take"  # lease it and send it now
    PASS = "pass"  # not for this claim: no chat, still on its way from here, or already seen
    STOP = "stop"  # the batch, or the overall limit, allows no more: read no further
    WAIT = "wait"  # leave it due: it goes in a moment, in a later claim
    PARK = "park"  # put it aside until its chat can next send
    FAIL = "fail"  # it can never be sent


@dataclass(frozen=True)
class RowFacts:
    """One due row as the claim sees it."""

    row_id: int
    priority: int
    kind: str  # send, edit or answer
    is_sending_here: bool = False  # this process still sends it (its lease ran out meanwhile)
    was_seen: bool = False  # an earlier window of this claim looked at it
    edit_target: EditTarget = EditTarget.NONE
    # The oldest pending edit of the same message that this claim cannot take.
    first_pending_edit: int | None = None

    @property
    def place(self) -> tuple[int, int]:
        """Its place in the queue: most urgent first, then oldest first."""
        return (self.priority, self.row_id)

    @property
    def is_alert(self) -> bool:
        return self.priority == Priority.ALERT


@dataclass(frozen=True)
class ChatFacts:
    """The row's chat, as far as this claim knows it."""

    # The place of its most urgent message this claim cannot take: on its way, waiting to
    # retry, locked by another instance's claim, or one this claim had to leave.
    first_waiting: tuple[int, int] | None = None
    is_sending_alert_here: bool = False  # this process is still sending it an alert message
    in_claim: int = 0  # its rows this claim has taken
    kept_in_window: int = 0  # its rows this claim left due while they wait
    ready_in: timedelta = NO_WAIT  # until its own limit (or a 429's pause) allows a send


@dataclass(frozen=True)
class ClaimFacts:
    """The claim as a whole."""

    is_full: bool = False  # the batch is taken, or the overall limit was reached
    is_paced: bool = True  # Telegram's limits are kept (off only in some tests)
    ready_in: timedelta = NO_WAIT  # until the overall limit allows a send


@dataclass(frozen=True)
class Decision:
    """The verdict, and what the claim must note with it."""

    verdict: Verdict
    holds_chat: bool = False  # the chat's later messages wait behind this row
    uses_pace: bool = False  # taken, it counts against the limits
    pace_wait: timedelta | None = None  # a limit held it: until that limit allows a send


PASS = Decision(Verdict.PASS)
STOP = Decision(Verdict.STOP)
FAIL = Decision(Verdict.FAIL)
WAIT = Decision(Verdict.WAIT)
PARK = Decision(Verdict.PARK)


def decide(row: RowFacts, chat: ChatFacts | None, claim: ClaimFacts) -> Decision:
    """Apply the delivery rules to one due row, in the order the claim reads the queue."""
    if chat is None or row.is_sending_here or row.was_seen:
        return PASS
    if claim.is_full:
        return STOP
    place = row.place
    # Per-chat order: a message waits for the chat's earlier ones; an alert ping never does
    # (one stuck in a dead process's lease must not hold up the next level's ping).
    if not row.is_alert and chat.first_waiting is not None and chat.first_waiting < place:
        return _wait_or_park(row, chat)
    if row.is_alert and chat.is_sending_alert_here:
        return WAIT  # two edits of one ping must not overtake each other
    # Edits of one message go in the order they were made ("resolved" never before "taken").
    if row.first_pending_edit is not None and row.first_pending_edit < row.row_id:
        return _wait_or_park(row, chat)
    ready = (
        row.edit_target not in (EditTarget.PENDING, EditTarget.GONE)
        and chat.in_claim < PER_CHAT_IN_CLAIM
    )
    uses_pace = claim.is_paced and row.kind in PACED_KINDS
    pace_wait = None
    if ready and uses_pace:
        if claim.ready_in > NO_WAIT:
            return Decision(Verdict.STOP, pace_wait=claim.ready_in)
        if chat.ready_in > NO_WAIT:  # at its limit, or paused by a 429
            ready, pace_wait = False, chat.ready_in
    if row.edit_target is EditTarget.GONE:  # failed for good: nothing waits behind it
        return FAIL
    if not ready:  # whatever waits here, this chat's later messages wait too
        waiting = _wait_or_park(row, chat, is_paced=pace_wait is not None)
        return Decision(waiting.verdict, holds_chat=True, pace_wait=pace_wait)
    return Decision(Verdict.TAKE, uses_pace=uses_pace)


def _wait_or_park(row: RowFacts, chat: ChatFacts, *, is_paced: bool = False) -> Decision:
    """Leave the row due if it goes in a moment; otherwise put it out of the claim's window.

    An alert message is never put aside: it leads every window. A chat's first few rows that
    only wait for a message on its way stay due; a backlog beyond them, or a row its chat's
    limit holds, is put aside so it never fills the window of every claim.
    """
    if row.is_alert or (not is_paced and chat.kept_in_window < KEPT_IN_WINDOW):
        return WAIT
    return PARK
