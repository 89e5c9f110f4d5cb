"""Claiming due outbox rows: read the queue a window at a time, gather each row's facts, and
lease, leave, put aside or fail it as the claim's rules decide."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.service.clock import Clock
from scheduler.claim_rules import (
    NO_WAIT,
    ChatFacts,
    ClaimFacts,
    EditTarget,
    RowFacts,
    Verdict,
    decide,
)
from scheduler.delivery_outcomes import FailureFollowUps, mark_failed, note_maybe_sent
from scheduler.outbox_queue import (
    SENDING,
    due_rows,
    find_chats_waiting,
    find_earlier_edits,
    load_recipients,
    read_edit_target,
    resolve_chat,
)
from scheduler.pacing import Limits, Pacer
from scheduler.parking import Claimed, ClaimState, Parking
from storage.database import Database
from storage.models import OutboxMessage

__all__ = ["LEASE", "Claimer"]

# A claim's rows are leased for this long and the lease is renewed while they are on their way,
# however long a send takes; a sender that dies stops renewing, and its rows are due again
# within a lease (so an alert ping it held waits seconds, not minutes). A chat's row not yet
# started is not renewed: until its turn, the row on its way ahead of it holds it.
LEASE = timedelta(seconds=8)
LOOK_AHEAD = 4
MAX_WINDOWS = 25  # windows of the queue one claim reads at most, past a chat's backlog


class Claimer:
    """Leases batches of due rows for one dispatcher, so no other instance sends them."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        follow_ups: FailureFollowUps,
        *,
        batch: int,
        limits: Limits | None,
        pace_clock: Clock,
    ) -> None:
        self._db = db
        self._clock = clock
        self._follow_ups = follow_ups
        self._batch = batch
        self._limits = limits
        self._pace_clock = pace_clock
        self.paced_for: float | None = None  # seconds until the limits allow the next send

    async def claim(
        self, *, alerts_only: bool, holding: Collection[int], alert_chats: Collection[int]
    ) -> list[Claimed]:
        """Lease a batch of due rows (or of alert pings only). `holding`: rows this process
        still sends; `alert_chats`: chats it is still sending alert messages to.

        A window of the queue whose rows mostly had to be put aside (one chat's backlog) is
        followed by the next one in the same claim, so a message queued behind a backlog goes
        in the first claim after it, not after one claim per window of the backlog.
        """
        now = self._clock.now()
        paced_now = self._pace_clock.now()
        async with self._db.unit_of_work() as uow:
            pacer = None if self._limits is None else Pacer(uow, self._limits, paced_now)
            claim = ClaimState(Parking(pacer, paced_now), pacer)
            query = due_rows(alerts_only=alerts_only, lock=self._db.is_postgres)
            limit = self._batch * LOOK_AHEAD
            params = {"now": now, "paced_now": paced_now, "limit": limit}
            for _ in range(MAX_WINDOWS):
                rows = list(await uow.scalars(query, params))
                if not rows:
                    break
                put_aside = claim.parking.count
                await self._take(uow, rows, now, claim, holding, alert_chats, alerts_only)
                window_was_backlog = claim.parking.count - put_aside > len(rows) // 2
                if claim.is_full(self._batch) or len(rows) < limit:
                    break
                if not window_was_backlog:
                    break
                await uow.flush()  # what was put aside leaves the due range
            waits = [w for w in (pacer.wait if pacer else None, claim.parking.next_in) if w]
            self.paced_for = min(waits).total_seconds() if waits else None
            return claim.claimed

    async def _take(
        self,
        uow: AsyncSession,
        rows: list[OutboxMessage],
        now: datetime,
        claim: ClaimState,
        holding: Collection[int],
        alert_chats: Collection[int],
        alerts_only: bool,
    ) -> None:
        """Lease what this window of due rows allows; put aside what must wait for its chat."""
        await load_recipients(uow, rows)
        chats: dict[int, int] = {}
        for row in rows:
            chat_id, unreachable = await resolve_chat(uow, row)
            if unreachable is not None:
                await self._fail(uow, row, unreachable, now)
            elif chat_id is not None:
                chats[row.id] = chat_id
        pacer = claim.pacer
        if pacer is not None:
            await pacer.load(set(chats.values()), lock=self._db.is_postgres)
        # Read after the pacing rows are locked: another instance's claim for the same chat
        # has committed by then, so its lease shows here; and a row it has locked but not
        # yet claimed is not among ours, so it holds the chat all the same.
        held = {} if alerts_only else await find_chats_waiting(uow, now, chats, rows)
        earlier_edits = await find_earlier_edits(uow, rows)
        for row in rows:
            chat_id = chats.get(row.id)
            target, message_id = EditTarget.NONE, None
            if chat_id is not None and row.id not in holding and row.id not in claim.seen:
                target, message_id = await read_edit_target(uow, row)
            facts = _row_facts(row, target, earlier_edits, holding, claim)
            chat = None if chat_id is None else _chat_facts(chat_id, held, alert_chats, claim)
            decision = decide(facts, chat, _claim_facts(claim, self._batch))
            if decision.verdict is Verdict.PASS or chat_id is None:
                # No chat; or this process is still sending it (its lease ran out); or an
                # earlier window of this claim left it due (put aside now, it would go to the
                # end of its chat's line and hold up everything behind it).
                continue
            claim.seen.add(row.id)
            if decision.pace_wait is not None and pacer is not None:
                pacer.note_wait(decision.pace_wait)
            if decision.holds_chat:
                held[chat_id] = min(held.get(chat_id, facts.place), facts.place)
            match decision.verdict:
                case Verdict.STOP:
                    claim.exhausted = True
                    break
                case Verdict.FAIL:
                    await self._fail(uow, row, "the message to edit was never delivered", now)
                case Verdict.WAIT if not facts.is_alert:
                    claim.parking.keep(chat_id)
                case Verdict.PARK:
                    claim.parking.put_aside(row, chat_id)
                case Verdict.TAKE:
                    if decision.uses_pace and pacer is not None:
                        pacer.use(chat_id)
                    claim.claimed.append(self._lease(uow, row, chat_id, message_id, claim, now))

    def _lease(
        self,
        uow: AsyncSession,
        row: OutboxMessage,
        chat_id: int,
        message_id: int | None,
        claim: ClaimState,
        now: datetime,
    ) -> Claimed:
        """Lease one row to this process; the payload carries the id of a message it edits."""
        if row.last_error == SENDING:  # its last send ended with no outcome: maybe it arrived
            note_maybe_sent(uow, row, now, "its sender stopped mid-send")
        row.attempts += 1
        row.not_before = now + LEASE
        # The chat's first row starts at once; a later one is marked when it starts.
        row.last_error = SENDING if chat_id not in claim.per_chat else None
        claim.per_chat[chat_id] = claim.per_chat.get(chat_id, 0) + 1
        payload = dict(row.payload)
        if message_id is not None:
            payload["message_id"] = message_id
        return Claimed(row.id, chat_id, row.priority, payload)

    async def _fail(
        self, uow: AsyncSession, row: OutboxMessage, reason: str, now: datetime
    ) -> None:
        """The row can never be sent: record it, and let the service's rules follow up."""
        mark_failed(uow, row, reason, now)
        await self._follow_ups.on_permanent_failure(uow, row, now)


def _row_facts(
    row: OutboxMessage,
    target: EditTarget,
    earlier_edits: dict[int, int],
    holding: Collection[int],
    claim: ClaimState,
) -> RowFacts:
    return RowFacts(
        row_id=row.id,
        priority=row.priority,
        kind=str(row.payload.get("kind")),
        is_sending_here=row.id in holding,
        was_seen=row.id in claim.seen,
        edit_target=target,
        first_pending_edit=None if row.edit_of_id is None else earlier_edits.get(row.edit_of_id),
    )


def _chat_facts(
    chat_id: int,
    held: dict[int, tuple[int, int]],
    alert_chats: Collection[int],
    claim: ClaimState,
) -> ChatFacts:
    return ChatFacts(
        first_waiting=held.get(chat_id),
        is_sending_alert_here=chat_id in alert_chats,
        in_claim=claim.per_chat.get(chat_id, 0),
        kept_in_window=claim.parking.kept(chat_id),
        ready_in=claim.pacer.chat_ready_in(chat_id) if claim.pacer else NO_WAIT,
    )


def _claim_facts(claim: ClaimState, batch: int) -> ClaimFacts:
    return ClaimFacts(
        is_full=claim.is_full(batch),
        is_paced=claim.pacer is not None,
        ready_in=claim.pacer.overall_ready_in() if claim.pacer else NO_WAIT,
    )
