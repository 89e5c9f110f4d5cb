"""Deliver the outbox: wake when told, claim due rows, send each chat's in order, and keep
the leases of the rows on their way."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections import Counter
from typing import Any

from handlers.delivery.chat import DeliveryResult, Sender, delivery_from_json
from handlers.service.clock import Clock, SystemClock
from scheduler.claims import LEASE, Claimer
from scheduler.delivery_outcomes import FailureFollowUps, Recorder
from scheduler.outbox_queue import RENEW_LEASES, SENDING
from scheduler.pacing import Limits
from scheduler.parking import Claimed
from storage.database import Database
from storage.models import Priority

__all__ = ["DEFAULT_LIMITS", "LEASE", "SENDING", "Dispatcher", "FailureFollowUps"]

log = logging.getLogger(__name__)

RENEW = 2.0  # seconds between renewals of the leases of the rows on their way
DEFAULT_LIMITS = Limits()


class Dispatcher:
    """Sends what the outbox holds, wakes at once when told, and never drops a row."""

    def __init__(
        self,
        db: Database,
        sender: Sender,
        clock: Clock,
        *,
        follow_ups: FailureFollowUps,
        batch: int = 20,
        limits: Limits | None = DEFAULT_LIMITS,
        pace_clock: Clock | None = None,
    ) -> None:
        pace_clock = pace_clock or SystemClock()
        self._db = db
        self._sender = sender
        self._clock = clock
        self._claimer = Claimer(
            db, clock, follow_ups, batch=batch, limits=limits, pace_clock=pace_clock
        )
        self._recorder = Recorder(db, clock, follow_ups, limits=limits, pace_clock=pace_clock)
        self._wake = asyncio.Event()
        self._alert_chats_sending: Counter[int] = Counter()  # chat: its tasks with alert rows
        self._holding: set[int] = set()  # rows leased by this process and not yet given back

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
            timeout = min(idle_seconds, self._claimer.paced_for or idle_seconds)
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
                    RENEW_LEASES, {"ids": held, "until": self._clock.now() + LEASE}
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
                await self._recorder.record_leftovers()
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

    async def _claim_pings(self) -> list[Claimed]:
        """Alert pings only, while a batch is on its way; a failure leaves them to the next
        claim rather than abandon the batch's sends."""
        try:
            await self._recorder.record_leftovers()
            return await self._claim(alerts_only=True)
        except Exception:
            log.exception("claiming alert pings failed; will retry")
            return []

    def _start_sends(self, claimed: list[Claimed]) -> set[asyncio.Task[None]]:
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

    async def _claim(self, *, alerts_only: bool = False) -> list[Claimed]:
        """Lease a batch of due rows (or of alert pings only), bar those this process still
        sends, so no other instance sends them meanwhile."""
        return await self._claimer.claim(
            alerts_only=alerts_only, holding=self._holding, alert_chats=self._alert_chats_sending
        )

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
                    await self._recorder.give_back(row_id, untried)
                except Exception:
                    log.exception("giving back outbox rows %s failed", untried)
                raise
            if not sent:
                await self._recorder.give_back(row_id, untried)
                return

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
        await self._recorder.record(row_id, chat_id, result, next_id=next_id)
        return result.ok
