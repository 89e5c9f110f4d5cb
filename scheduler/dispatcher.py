"""Deliver the outbox: claim due rows, send them through the runtime, record what happened."""

from __future__ import annotations

import asyncio
import functools
import logging
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Select,
    bindparam,
    exists,
    func,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from handlers.audit import record_audit
from handlers.chat import DeliveryResult, Sender, delivery_from_json
from handlers.clock import Clock, SystemClock
from handlers.escalation import note_failed_delivery
from handlers.reachability import mark_unreachable
from scheduler.pacing import Limits, Pacer
from storage.database import Database
from storage.models import OutboxMessage, OutboxStatus, Person, Priority, TelegramLink

log = logging.getLogger(__name__)

# A claim's rows are leased for this long and the lease is renewed every RENEW while they are
# on their way, however long a send takes; a sender that dies stops renewing, and its rows are
# due again within a lease (so an alert ping it held waits seconds, not minutes). A chat's row
# not yet started is not renewed: until its turn, the row on its way ahead of it holds it.
LEASE = timedelta(seconds=8)
RENEW = 2.0  # seconds
PER_CHAT_IN_CLAIM = 2
DEFAULT_LIMITS = Limits()
LOOK_AHEAD = 4
MAX_WINDOWS = 25  # windows of the queue one claim reads at most, past a chat's backlog
PACED_KINDS = ("send", "edit")  # messages count against Telegram's limits; button answers don't
MAX_ATTEMPTS = 12
# How soon a row put aside because its chat was busy (a message on its way) is looked at again.
RECHECK = timedelta(milliseconds=100)
# A chat's rows left in the due range while they only wait for its message on its way (they
# go in a moment); the rest are put aside, so one chat takes at most these places in a window.
KEPT_IN_WINDOW = 4
# A row's last_error from the moment its send may start until its outcome is recorded. Still
# there when the row is claimed again, its last send ended with no outcome (the process died or
# stopped mid-send): Telegram may have taken it, so the new try is counted like a send that timed
# out. A chat's later row in a claim is marked only when the one before it has been recorded,
# so a row that never left is never counted.
SENDING = "sending"


def _due_rows(*, alerts_only: bool, lock: bool) -> Select[OutboxMessage]:
    """Due rows, most urgent first; run with {"now": ..., "limit": ...}."""
    original = aliased(OutboxMessage)
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING.value,
            # Not the bare column: a range on it would lead the database to read every due row
            # through ix_outbox_due and sort them; this way it walks ix_outbox_queue in send
            # order and stops after the window, however many rows wait.
            func.coalesce(OutboxMessage.not_before, OutboxMessage.created_at) <= bindparam("now"),
            # Put aside because its chat was busy: out of every claim's window until then.
            or_(
                OutboxMessage.parked_until.is_(None),
                OutboxMessage.parked_until <= bindparam("paced_now"),
            ),
            # An edit waits until the message it edits has left the outbox.
            ~exists().where(
                original.id == OutboxMessage.edit_of_id,
                original.status == OutboxStatus.PENDING.value,
            ),
        )
        .order_by(OutboxMessage.priority, OutboxMessage.id)
        # Look further than one batch, so rows for chats at their limit don't starve the chats
        # behind them.
        .limit(bindparam("limit"))
    )
    if alerts_only:
        query = query.where(OutboxMessage.priority == Priority.ALERT.value)
    return query.with_for_update(skip_locked=True) if lock else query


# Built once, since every claim runs one: keyed by (alerts only, PostgreSQL).
_DUE = {
    (alerts_only, lock): _due_rows(alerts_only=alerts_only, lock=lock)
    for alerts_only in (False, True)
    for lock in (False, True)
}
_CHAT = func.coalesce(OutboxMessage.chat_id, TelegramLink.chat_id)


def _pending_of_chats(*where: ColumnElement[bool]) -> Select[int | None, int, int]:
    return (
        select(_CHAT, OutboxMessage.priority, OutboxMessage.id)
        .select_from(OutboxMessage)
        .outerjoin(TelegramLink, TelegramLink.person_id == OutboxMessage.person_id)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING.value,
            _CHAT.in_(bindparam("chats", expanding=True)),
            OutboxMessage.id.not_in(bindparam("taken", expanding=True)),
            *where,
        )
    )


# Pending rows of some chats that a claim could not take. Run with {"chats": [...], "now": ...,
# "taken": [...], "last_priority": ..., "last_id": ...}, the place of the claim's last candidate:
# rows on their way or waiting to retry, and rows in the claim's window it did not get (locked
# by another instance's claim, or edits waiting for their message). A due row after the window
# comes after every candidate, so it holds none of them. Each part is one index range, so none
# reads the whole queue.
_WAITING = union_all(
    _pending_of_chats(OutboxMessage.not_before > bindparam("now")),
    _pending_of_chats(OutboxMessage.priority < bindparam("last_priority")),
    _pending_of_chats(
        OutboxMessage.priority == bindparam("last_priority"),
        OutboxMessage.id <= bindparam("last_id"),
    ),
)
# Pending edits of some messages but for those a claim took: {"edited": [...], "taken": [...]}.
_EARLIER_EDITS = (
    select(OutboxMessage.edit_of_id, func.min(OutboxMessage.id))
    .where(
        OutboxMessage.status == OutboxStatus.PENDING.value,
        OutboxMessage.edit_of_id.in_(bindparam("edited", expanding=True)),
        OutboxMessage.id.not_in(bindparam("taken", expanding=True)),
    )
    .group_by(OutboxMessage.edit_of_id)
)


class _Claimed(NamedTuple):
    """A leased row, ready to send."""

    row_id: int
    chat_id: int
    priority: int
    payload: dict[str, Any]


@dataclass
class _ClaimState:
    """What one claim has taken so far, over the windows of the queue it reads."""

    parking: _Parking
    pacer: Pacer | None
    claimed: list[_Claimed] = field(default_factory=list)
    per_chat: dict[int, int] = field(default_factory=dict)
    seen: set[int] = field(default_factory=set)  # rows an earlier window of the claim looked at
    exhausted: bool = False  # the overall limit, or the batch, allows no more

    def is_full(self, batch: int) -> bool:
        return self.exhausted or len(self.claimed) >= batch


class _Parking:
    """Puts a claim's rows that must wait for their chat out of the due range.

    A row left due would be read by every claim until its chat could take it, and a chat with
    a long backlog (a flood, a thousand reminders) would fill each claim's window, holding up
    every other chat behind it. Put aside, it comes due again when its chat can next send;
    a chat's order is kept by the claim's checks, not by these times. The times are real time,
    like pacing (Telegram counts real seconds). Alert messages are never put aside: they lead
    every window.
    """

    def __init__(self, pacer: Pacer | None, now: datetime) -> None:
        self._pacer = pacer
        self._now = now
        self._unpaced: Counter[int] = Counter()  # chat: rows put aside without pacing rows
        self._kept: Counter[int] = Counter()  # chat: waiting rows left in the due range
        self.next_in: timedelta | None = None  # until the soonest row put aside comes due
        self.count = 0  # rows put aside

    def put_aside(self, row: OutboxMessage, chat_id: int, *, is_paced: bool = False) -> None:
        """Take this row out of the due range, unless it is one of the first few rows of its
        chat that are only waiting for a message on its way (they will go in a moment)."""
        if row.priority == Priority.ALERT:
            return
        if not is_paced and self._kept[chat_id] < KEPT_IN_WINDOW:
            self._kept[chat_id] += 1
            return
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


class Dispatcher:
    """Sends what the outbox holds, wakes at once when told, and never drops a row."""

    def __init__(
        self,
        db: Database,
        sender: Sender,
        clock: Clock,
        *,
        batch: int = 20,
        limits: Limits | None = DEFAULT_LIMITS,
        pace_clock: Clock | None = None,
    ) -> None:
        self._db = db
        self._sender = sender
        self._clock = clock
        self._batch = batch
        self._limits = limits
        self._pace_clock = pace_clock or SystemClock()
        self._paced_for: float | None = None  # seconds until the limits allow the next send
        self._wake = asyncio.Event()
        self._unrecorded: list[tuple[int, int, DeliveryResult]] = []
        self._starting: list[int] = []  # rows whose send starts once the ones before are recorded
        self._recorder = asyncio.Lock()
        self._alert_chats_sending: Counter[int] = Counter()  # chat: its tasks with alert rows
        self._holding: set[int] = set()  # rows leased by this process and not yet given back
        self.on_alert_unreachable: Callable[[], None] = lambda: None

    def wake(self) -> None:
        """Ask for a drain as soon as possible (after a commit that queued messages)."""
        self._wake.set()

    async def run(self, stop: asyncio.Event, idle_seconds: float = 1.0) -> None:
        """Drain whenever woken, and at least every `idle_seconds`, until `stop` is set."""
        renewing = asyncio.create_task(self._renew_leases(stop))
        try:
            await self._drain_until(stop, idle_seconds)
        finally:
            renewing.cancel()
            await asyncio.gather(renewing, return_exceptions=True)

    async def _drain_until(self, stop: asyncio.Event, idle_seconds: float) -> None:
        while not stop.is_set():
            self._wake.clear()
            try:
                await self.drain()
            except Exception:
                log.exception("outbox drain failed; will retry")
            waiter = asyncio.ensure_future(self._wake.wait())
            stopper = asyncio.ensure_future(stop.wait())
            timeout = min(idle_seconds, self._paced_for or idle_seconds)
            await asyncio.wait(
                {waiter, stopper}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
            waiter.cancel()
            stopper.cancel()

    async def _renew_leases(self, stop: asyncio.Event) -> None:
        """While this process lives, keep the leases of the rows it is sending."""
        while not stop.is_set():
            await asyncio.sleep(RENEW)
            try:
                await self.renew_leases()
            except Exception:
                log.exception("renewing outbox leases failed; will retry")

    async def renew_leases(self) -> None:
        """Push on the lease of every row this process has on its way."""
        held = sorted(self._holding)
        if held:
            async with self._db.unit_of_work() as session:
                await session.execute(
                    _RENEW_LEASES, {"ids": held, "until": self._clock.now() + LEASE}
                )

    async def drain(self) -> int:
        """Send every due row, most urgent first; returns how many were attempted.

        Rows go out a claimed batch at a time. While a batch is on its way, an alert ping
        queued meanwhile is claimed and sent at once, not after the batch's slowest send.
        """
        attempted = 0
        sending: set[asyncio.Task[None]] = set()
        try:
            while True:
                self._wake.clear()  # before the claim: a row queued after it wakes us again
                await self._record_leftovers()
                claimed = await self._claim()
                if not claimed:
                    return attempted
                attempted += len(claimed)
                sending = self._start_sends(claimed)
                while sending:
                    waiter = asyncio.ensure_future(self._wake.wait())
                    try:
                        done, _ = await asyncio.wait(
                            {waiter, *sending}, return_when=asyncio.FIRST_COMPLETED
                        )
                    finally:
                        waiter.cancel()
                    for task in done - {waiter}:
                        sending.discard(task)
                        if not task.cancelled() and task.exception() is not None:
                            log.error(
                                "recording sends failed; will retry", exc_info=task.exception()
                            )
                    if self._wake.is_set():  # something new was queued: an alert ping?
                        self._wake.clear()
                        pings = await self._claim_pings()
                        attempted += len(pings)
                        sending |= self._start_sends(pings)
        except asyncio.CancelledError:
            # Stopping: let each send end cleanly (a task cut off mid-transaction can leave a
            # lock behind); an unrecorded one is sent again after its lease.
            for task in sending:
                task.cancel()
            await asyncio.gather(*sending, return_exceptions=True)
            raise

    async def _claim_pings(self) -> list[_Claimed]:
        """Alert pings only, while a batch is on its way; a failure leaves them to the next
        claim rather than abandon the batch's sends."""
        try:
            await self._record_leftovers()
            return await self._claim(alerts_only=True)
        except Exception:
            log.exception("claiming alert pings failed; will retry")
            return []

    async def _record_leftovers(self) -> None:
        """Outcomes a failed record left behind, before anything is claimed again."""
        if self._unrecorded:
            async with self._recorder:
                finished, self._unrecorded = self._unrecorded, []
                await self._record_all(finished)

    def _start_sends(self, claimed: list[_Claimed]) -> set[asyncio.Task[None]]:
        """Chats are independent: send to each at once, each chat's messages in their order.

        A chat with alert messages on their way takes no more of them until those are sent, so
        two edits of one ping (taken, then resolved) can't overtake each other.
        """
        by_chat: dict[int, list[tuple[int, dict[str, Any]]]] = {}
        for row_id, chat_id, _, payload in claimed:
            by_chat.setdefault(chat_id, []).append((row_id, payload))
        alert_chats = {c.chat_id for c in claimed if c.priority == Priority.ALERT}
        tasks = set()
        for chat_id, rows in by_chat.items():
            task = asyncio.create_task(self._send_in_order(chat_id, rows))
            row_ids = {row_id for row_id, _ in rows}
            self._holding |= row_ids
            task.add_done_callback(functools.partial(self._given_back, row_ids))
            if chat_id in alert_chats:
                self._alert_chats_sending[chat_id] += 1
                task.add_done_callback(functools.partial(self._alert_chat_done, chat_id))
            tasks.add(task)
        return tasks

    def _given_back(self, row_ids: set[int], _: asyncio.Task[None]) -> None:
        """A chat's sends are over: recorded, given back, or left to their lease."""
        self._holding -= row_ids

    def _alert_chat_done(self, chat_id: int, _: asyncio.Task[None]) -> None:
        self._alert_chats_sending[chat_id] -= 1
        if self._alert_chats_sending[chat_id] <= 0:
            del self._alert_chats_sending[chat_id]
            self._wake.set()  # an alert message held back for this chat may go now

    async def _claim(self, *, alerts_only: bool = False) -> list[_Claimed]:
        """Lease a batch of due rows (or of alert pings only) so no other instance sends them
        meanwhile.

        A window of the queue whose rows mostly had to be put aside (one chat's backlog) is
        followed by the next one in the same claim, so a message queued behind a backlog goes
        in the first claim after it, not after one claim per window of the backlog.
        """
        now = self._clock.now()
        paced_now = self._pace_clock.now()
        async with self._db.unit_of_work() as session:
            pacer = None if self._limits is None else Pacer(session, self._limits, paced_now)
            claim = _ClaimState(_Parking(pacer, paced_now), pacer)
            query = _DUE[alerts_only, self._db.is_postgres]
            limit = self._batch * LOOK_AHEAD
            params = {"now": now, "paced_now": paced_now, "limit": limit}
            for _ in range(MAX_WINDOWS):
                rows = list(await session.scalars(query, params))
                if not rows:
                    break
                put_aside = claim.parking.count
                await self._take(session, rows, now, claim, alerts_only=alerts_only)
                window_was_backlog = claim.parking.count - put_aside > len(rows) // 2
                if claim.is_full(self._batch) or len(rows) < limit:
                    break
                if not window_was_backlog:
                    break
                await session.flush()  # what was put aside leaves the due range
            waits = [w for w in (pacer.wait if pacer else None, claim.parking.next_in) if w]
            self._paced_for = min(waits).total_seconds() if waits else None
            return claim.claimed

    async def _take(
        self,
        session: AsyncSession,
        rows: list[OutboxMessage],
        now: datetime,
        claim: _ClaimState,
        *,
        alerts_only: bool,
    ) -> None:
        """Lease what this window of due rows allows; put aside what must wait for its chat."""
        await _load_recipients(session, rows)
        chats: dict[int, int] = {}
        for row in rows:
            chat_id = await _resolve_chat(session, row, now)
            if chat_id is None:
                await self._after_failure(session, row, now)
            else:
                chats[row.id] = chat_id
        pacer, parking, claimed, per_chat = (
            claim.pacer,
            claim.parking,
            claim.claimed,
            claim.per_chat,
        )
        if pacer is not None:
            await pacer.load(set(chats.values()), lock=self._db.is_postgres)
        # Read after the pacing rows are locked: another instance's claim for the same chat
        # has committed by then, so its lease shows here; and a row it has locked but not
        # yet claimed is not among ours, so it holds the chat all the same.
        held = {} if alerts_only else await _chats_waiting(session, now, chats, rows)
        earlier_edits = await _earlier_edits(session, rows)
        for row in rows:
            chat_id = chats.get(row.id)
            if chat_id is None or row.id in self._holding or row.id in claim.seen:
                # No chat; or this process is still sending it (its lease ran out); or an
                # earlier window of this claim left it due (put aside now, it would go to the
                # end of its chat's line and hold up everything behind it).
                continue
            claim.seen.add(row.id)
            if claim.is_full(self._batch):
                claim.exhausted = True
                break
            place = (row.priority, row.id)
            if row.priority != Priority.ALERT and held.get(chat_id, place) < place:
                parking.put_aside(row, chat_id)  # an earlier message to it is on its way
                continue
            if row.priority == Priority.ALERT and chat_id in self._alert_chats_sending:
                continue  # this process is still sending that chat an alert message
            edits = row.edit_of_id
            if edits is not None and earlier_edits.get(edits, row.id) < row.id:
                parking.put_aside(row, chat_id)  # an earlier edit of it is on its way
                continue
            edited = await _edited_message_id(session, row, now)
            # A chat's later rows go in the next claim, within a lease of their own.
            ready = edited not in (_WAIT, _GONE) and per_chat.get(chat_id, 0) < PER_CHAT_IN_CLAIM
            paced = False
            if ready and pacer is not None and row.payload.get("kind") in PACED_KINDS:
                if pacer.is_exhausted():
                    claim.exhausted = True
                    break
                ready = pacer.take(chat_id)  # False: at its limit or paused by a 429
                paced = not ready
            if edited is _GONE:  # failed for good: nothing waits behind it
                await self._after_failure(session, row, now)
                continue
            if not ready:  # whatever waits here, this chat's later messages wait too
                held[chat_id] = min(held.get(chat_id, place), place)
                parking.put_aside(row, chat_id, is_paced=paced)
                continue
            if row.last_error == SENDING:
                _note_maybe_sent(session, row, now, "its sender stopped mid-send")
            row.attempts += 1
            row.not_before = now + LEASE
            # The chat's first row starts at once; a later one is marked when it starts.
            row.last_error = SENDING if chat_id not in per_chat else None
            per_chat[chat_id] = per_chat.get(chat_id, 0) + 1
            payload = dict(row.payload)
            if isinstance(edited, int):
                payload["message_id"] = edited
            claimed.append(_Claimed(row.id, chat_id, row.priority, payload))

    async def _after_failure(
        self, session: AsyncSession, row: OutboxMessage, now: datetime
    ) -> None:
        """Let an alert climb the chain at once when its ping cannot be delivered."""
        if row.status == OutboxStatus.FAILED.value and await note_failed_delivery(
            session, row, now
        ):
            self.on_alert_unreachable()

    async def _send_in_order(self, chat_id: int, rows: list[tuple[int, dict[str, Any]]]) -> None:
        """One chat's messages, one after another; after a failure the rest wait their turn."""
        for n, (row_id, payload) in enumerate(rows):
            untried = [later for later, _ in rows[n + 1 :]]
            try:
                sent = await self._send(row_id, chat_id, payload, next_id=next(iter(untried), None))
            except BaseException:  # stopping, or its outcome could not be recorded yet
                # The rest were never tried: give them back unmarked, so they are not counted
                # as possible duplicates (they still wait for this row's lease).
                try:
                    await self._release(row_id, untried)
                except Exception:
                    log.exception("giving back outbox rows %s failed", untried)
                raise
            if not sent:
                await self._release(row_id, untried)
                return

    async def _release(self, failed_id: int, row_ids: list[int]) -> None:
        """Give back claimed rows not yet tried: due when the failed one before them is retried
        (at once if it failed for good), so the next claim takes them in their order."""
        if not row_ids:
            return
        now = self._clock.now()
        async with self._db.unit_of_work() as session:
            failed = await session.get(OutboxMessage, failed_id)
            retried = failed is not None and failed.status == OutboxStatus.PENDING.value
            resume = max(now, failed.not_before) if failed is not None and retried else now
            for row_id in row_ids:
                row = await session.get(OutboxMessage, row_id)
                if row is not None and row.status == OutboxStatus.PENDING.value:
                    row.attempts = max(0, row.attempts - 1)
                    row.not_before = resume
                    row.last_error = None  # never tried

    async def _send(
        self, row_id: int, chat_id: int, payload: dict[str, Any], *, next_id: int | None = None
    ) -> bool:
        """Send one row and record the outcome; True if Telegram took it. `next_id`, the
        chat's row to send after it, is marked as on its way when this one is recorded sent."""
        try:
            result = await self._sender.deliver(chat_id, delivery_from_json(payload))
        except Exception as exc:  # The runtime should classify; anything else is transient.
            log.exception("delivery of outbox row %s raised", row_id)
            result = DeliveryResult(ok=False, error=type(exc).__name__)
        self._unrecorded.append((row_id, chat_id, result))
        if result.ok and next_id is not None:
            self._starting.append(next_id)
        # Group commit: whoever holds the recorder writes down every send finished so far, in
        # one transaction. Each send is recorded as soon as it can be (a crash before that
        # sends it again), and returns only once its outcome is committed.
        async with self._recorder:
            if self._unrecorded:
                finished, self._unrecorded = self._unrecorded, []
                starting, self._starting = self._starting, []
                try:
                    await self._record_all(finished, starting)
                except BaseException:
                    # The next send (or drain) records them; the rows that were to start next are
                    # given back untried by their chats' tasks.
                    self._unrecorded[:0] = finished
                    raise
        return result.ok

    async def _record_all(
        self, finished: list[tuple[int, int, DeliveryResult]], starting: Sequence[int] = ()
    ) -> None:
        now = self._clock.now()
        async with self._db.unit_of_work() as session:
            if starting:
                await session.execute(_MARK_SENDING, [{"row_id": row_id} for row_id in starting])
            sent = [(row_id, result) for row_id, _, result in finished if result.ok]
            if sent:  # the common case, in one statement: no row needs loading
                await session.execute(
                    _MARK_SENT,
                    [
                        {"row_id": row_id, "sent_at": now, "message_id": result.message_id}
                        for row_id, result in sent
                    ],
                )
            unsent = {row_id: result for row_id, _, result in finished if not result.ok}
            if unsent:
                query = (
                    select(OutboxMessage)
                    .where(OutboxMessage.id.in_(unsent))
                    .order_by(OutboxMessage.id)
                )
                for row in await session.scalars(query):
                    await _record_failure(session, row, unsent[row.id], now)
                    if row.status != OutboxStatus.FAILED.value:
                        continue
                    try:
                        async with session.begin_nested():
                            await self._after_failure(session, row, now)
                    except Exception:  # the outcome above is still recorded
                        log.exception("follow-up of failed outbox row %s failed", row.id)
            paused = {
                chat_id: result.retry_after
                for _, chat_id, result in finished
                if not result.ok and result.retry_after is not None
            }
            if paused and self._limits is not None:
                pacer = Pacer(session, self._limits, self._pace_clock.now())
                await pacer.load(set(paused), lock=self._db.is_postgres)
                for chat_id, seconds in paused.items():
                    pacer.pause(chat_id, seconds)


_WAIT, _GONE = object(), object()


async def _edited_message_id(
    session: AsyncSession, row: OutboxMessage, now: datetime
) -> int | object | None:
    """For an edit queued before its message was sent: that message's id, or wait, or give up."""
    if row.edit_of_id is None:
        return None
    original = await session.get(OutboxMessage, row.edit_of_id)
    if original is not None and original.telegram_message_id is not None:
        return original.telegram_message_id
    if original is not None and original.status == OutboxStatus.PENDING.value:
        return _WAIT
    _fail(session, row, "the message to edit was never delivered", now)
    return _GONE


async def _chats_waiting(
    session: AsyncSession, now: datetime, chats: dict[int, int], candidates: list[OutboxMessage]
) -> dict[int, tuple[int, int]]:
    """For each chat these candidates go to, the place (priority, id) of its most urgent pending
    message that this claim cannot take: one on its way or waiting to retry, one another
    instance's claim has locked, or an edit waiting for its message.

    A later message of the same or lower priority waits behind it, so each chat sees its
    messages in order even when several instances send, whether a message was addressed to
    the chat (a reply) or to the person (a reminder); a more urgent one (an alert ping behind a
    reminder) does not wait, and an alert ping never waits: one stuck in a dead process's lease
    must not hold up the next level's ping.
    """
    if not chats:
        return {}
    last = candidates[-1]
    rows = await session.execute(
        _WAITING,
        {
            "chats": list(set(chats.values())),
            "now": now,
            "taken": [row.id for row in candidates],
            "last_priority": last.priority,
            "last_id": last.id,
        },
    )
    waiting: dict[int, tuple[int, int]] = {}
    for chat_id, priority, row_id in rows:
        if chat_id is not None:  # the chat filter has already left out rows with no chat
            place = (int(priority), int(row_id))
            waiting[int(chat_id)] = min(waiting.get(int(chat_id), place), place)
    return waiting


async def _earlier_edits(session: AsyncSession, candidates: list[OutboxMessage]) -> dict[int, int]:
    """For each message these rows edit, its oldest pending edit that this claim cannot take
    (on its way, waiting to retry, or locked by another instance's claim).

    A later edit waits for it, so the last one shown is the last one made ("resolved" never
    lands before "taken"), even when two instances send. An alert ping itself never waits.
    """
    edited = {row.edit_of_id for row in candidates if row.edit_of_id is not None}
    if not edited:
        return {}
    rows = await session.execute(
        _EARLIER_EDITS, {"edited": list(edited), "taken": [row.id for row in candidates]}
    )
    return {int(edited_id): int(first_id) for edited_id, first_id in rows if edited_id is not None}


async def _load_recipients(session: AsyncSession, rows: list[OutboxMessage]) -> None:
    """Read every recipient and link in two queries, so resolving each row needs none."""
    person_ids = {row.person_id for row in rows if row.person_id is not None}
    if person_ids:
        await session.scalars(select(Person).where(Person.id.in_(person_ids)))
        await session.scalars(select(TelegramLink).where(TelegramLink.person_id.in_(person_ids)))


async def _resolve_chat(session: AsyncSession, row: OutboxMessage, now: datetime) -> int | None:
    """The chat to send to; a person who can't be reached fails the row at once."""
    if row.person_id is None:
        return row.chat_id
    person = await session.get(Person, row.person_id)
    link = await session.get(TelegramLink, row.person_id)
    reason = None
    if person is None or not person.is_active:
        reason = "person deactivated"
    elif link is None:
        reason = "person has not linked Telegram"
    elif not link.is_reachable and row.priority >= Priority.REMINDER:
        reason = f"reminders stopped: {link.unreachable_reason or 'unreachable'}"
        row.dedupe_key = None  # so it is queued again if still due once they are back
    if reason is None and link is not None:
        return link.chat_id
    _fail(session, row, reason or "unreachable", now)
    return None


_OUTBOX = OutboxMessage.metadata.tables[OutboxMessage.__tablename__]
_MARK_SENDING = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id == bindparam("row_id"), _OUTBOX.c.status == OutboxStatus.PENDING.value)
    .values(last_error=SENDING)
)
# Only rows still on their way: one whose outcome was recorded meanwhile (a backoff, a 429's
# pause) keeps the time that outcome gave it.
_RENEW_LEASES = (
    update(_OUTBOX)
    .where(
        _OUTBOX.c.id.in_(bindparam("ids", expanding=True)),
        _OUTBOX.c.status == OutboxStatus.PENDING.value,
        _OUTBOX.c.last_error == SENDING,
    )
    .values(not_before=bindparam("until"))
)
_MARK_SENT = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id == bindparam("row_id"))
    .values(
        status=OutboxStatus.SENT.value,
        sent_at=bindparam("sent_at"),
        telegram_message_id=bindparam("message_id"),
        last_error=None,
    )
)


async def _record_failure(
    session: AsyncSession, row: OutboxMessage, result: DeliveryResult, now: datetime
) -> None:
    if result.is_permanent or row.attempts >= MAX_ATTEMPTS:
        _fail(session, row, result.error or "failed", now)
        if result.is_unreachable and row.person_id is not None:
            await mark_unreachable(session, row.person_id, result.error or "failed", now)
        return
    if result.may_have_arrived:
        _note_maybe_sent(session, row, now, "no answer in time")
    if result.retry_after is not None:
        delay = result.retry_after  # Telegram said when; no sooner
    else:  # full jitter, so many failed sends do not all come back at the same moment
        delay = random.uniform(0.5, min(60.0, 2.0**row.attempts))
    row.not_before = now + timedelta(seconds=delay)
    row.last_error = (result.error or "")[:300]


def _note_maybe_sent(session: AsyncSession, row: OutboxMessage, now: datetime, why: str) -> None:
    """A try whose outcome is unknown: a retry may show it twice; count it (see outbox status)."""
    record_audit(
        session,
        "delivery.timed_out",
        at=now,
        subject=f"outbox:{row.id}",
        person_id=row.person_id,
        attempt=row.attempts,
        reason=why,
    )


def _fail(session: AsyncSession, row: OutboxMessage, reason: str, now: datetime) -> None:
    row.status = OutboxStatus.FAILED.value
    row.last_error = reason[:300]
    record_audit(
        session,
        "delivery.failed",
        at=now,
        subject=f"outbox:{row.id}",
        person_id=row.person_id,
        reason=reason[:200],
    )
