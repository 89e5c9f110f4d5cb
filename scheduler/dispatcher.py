"""Deliver the outbox: claim due rows, send them through the runtime, record what happened."""

from __future__ import annotations

import asyncio
import functools
import logging
import random
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.alerts.escalation import note_failed_delivery
from handlers.delivery.chat import DeliveryResult, Sender, delivery_from_json
from handlers.delivery.reachability import mark_unreachable
from handlers.service.clock import Clock, SystemClock
from scheduler.outbox_queue import (
    _DUE,
    _GONE,
    _MARK_SENDING,
    _MARK_SENT,
    _RENEW_LEASES,
    _WAIT,
    SENDING,
    _chats_waiting,
    _earlier_edits,
    _edited_message_id,
    _fail,
    _load_recipients,
    _note_maybe_sent,
    _resolve_chat,
)
from scheduler.pacing import Limits, Pacer
from scheduler.parking import _Claimed, _ClaimState, _Parking
from storage.database import Database
from storage.models import OutboxMessage, OutboxStatus, Priority

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
            async with self._db.unit_of_work() as uow:
                await uow.execute(
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
        async with self._db.unit_of_work() as uow:
            pacer = None if self._limits is None else Pacer(uow, self._limits, paced_now)
            claim = _ClaimState(_Parking(pacer, paced_now), pacer)
            query = _DUE[alerts_only, self._db.is_postgres]
            limit = self._batch * LOOK_AHEAD
            params = {"now": now, "paced_now": paced_now, "limit": limit}
            for _ in range(MAX_WINDOWS):
                rows = list(await uow.scalars(query, params))
                if not rows:
                    break
                put_aside = claim.parking.count
                await self._take(uow, rows, now, claim, alerts_only=alerts_only)
                window_was_backlog = claim.parking.count - put_aside > len(rows) // 2
                if claim.is_full(self._batch) or len(rows) < limit:
                    break
                if not window_was_backlog:
                    break
                await uow.flush()  # what was put aside leaves the due range
            waits = [w for w in (pacer.wait if pacer else None, claim.parking.next_in) if w]
            self._paced_for = min(waits).total_seconds() if waits else None
            return claim.claimed

    async def _take(
        self,
        uow: AsyncSession,
        rows: list[OutboxMessage],
        now: datetime,
        claim: _ClaimState,
        *,
        alerts_only: bool,
    ) -> None:
        """Lease what this window of due rows allows; put aside what must wait for its chat."""
        await _load_recipients(uow, rows)
        chats: dict[int, int] = {}
        for row in rows:
            chat_id = await _resolve_chat(uow, row, now)
            if chat_id is None:
                await self._after_failure(uow, row, now)
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
        held = {} if alerts_only else await _chats_waiting(uow, now, chats, rows)
        earlier_edits = await _earlier_edits(uow, rows)
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
            edited = await _edited_message_id(uow, row, now)
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
                await self._after_failure(uow, row, now)
                continue
            if not ready:  # whatever waits here, this chat's later messages wait too
                held[chat_id] = min(held.get(chat_id, place), place)
                parking.put_aside(row, chat_id, is_paced=paced)
                continue
            if row.last_error == SENDING:
                _note_maybe_sent(uow, row, now, "its sender stopped mid-send")
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
        self, uow: AsyncSession, row: OutboxMessage, now: datetime
    ) -> None:
        """Let an alert climb the chain at once when its ping cannot be delivered."""
        if row.status == OutboxStatus.FAILED.value and await note_failed_delivery(
            uow, row, now
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
        async with self._db.unit_of_work() as uow:
            failed = await uow.get(OutboxMessage, failed_id)
            retried = failed is not None and failed.status == OutboxStatus.PENDING.value
            resume = max(now, failed.not_before) if failed is not None and retried else now
            for row_id in row_ids:
                row = await uow.get(OutboxMessage, row_id)
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
        async with self._db.unit_of_work() as uow:
            if starting:
                await uow.execute(_MARK_SENDING, [{"row_id": row_id} for row_id in starting])
            sent = [(row_id, result) for row_id, _, result in finished if result.ok]
            if sent:  # the common case, in one statement: no row needs loading
                await uow.execute(
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
                for row in await uow.scalars(query):
                    await _record_failure(uow, row, unsent[row.id], now)
                    if row.status != OutboxStatus.FAILED.value:
                        continue
                    try:
                        async with uow.begin_nested():
                            await self._after_failure(uow, row, now)
                    except Exception:  # the outcome above is still recorded
                        log.exception("follow-up of failed outbox row %s failed", row.id)
            paused = {
                chat_id: result.retry_after
                for _, chat_id, result in finished
                if not result.ok and result.retry_after is not None
            }
            if paused and self._limits is not None:
                pacer = Pacer(uow, self._limits, self._pace_clock.now())
                await pacer.load(set(paused), lock=self._db.is_postgres)
                for chat_id, seconds in paused.items():
                    pacer.pause(chat_id, seconds)


async def _record_failure(
    uow: AsyncSession, row: OutboxMessage, result: DeliveryResult, now: datetime
) -> None:
    if result.is_permanent or row.attempts >= MAX_ATTEMPTS:
        _fail(uow, row, result.error or "failed", now)
        if result.is_unreachable and row.person_id is not None:
            await mark_unreachable(uow, row.person_id, result.error or "failed", now)
        return
    if result.may_have_arrived:
        _note_maybe_sent(uow, row, now, "no answer in time")
    if result.retry_after is not None:
        delay = result.retry_after  # Telegram said when; no sooner
    else:  # full jitter, so many failed sends do not all come back at the same moment
        delay = random.uniform(0.5, min(60.0, 2.0**row.attempts))
    row.not_before = now + timedelta(seconds=delay)
    row.last_error = (result.error or "")[:300]
