"""What happened to each send, written down: sent, retry with backoff, failed for good, or
maybe sent (a retry may show it twice); and what the service does when a send fails for good."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.delivery.chat import DeliveryResult
from handlers.service.audit import audit_subject, record_audit
from handlers.service.clock import Clock
from scheduler.outbox_queue import MARK_SENDING, MARK_SENT
from scheduler.pacing import Limits, Pacer
from storage.database import Database
from storage.models import OutboxMessage, OutboxStatus

__all__ = [
    "MAX_ATTEMPTS",
    "FailureFollowUps",
    "Recorder",
    "mark_failed",
    "note_maybe_sent",
    "retry_delay",
]

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
MAX_BACKOFF = 60.0  # seconds
MIN_BACKOFF = 0.5  # seconds

Finished = tuple[int, int, DeliveryResult]  # (row, chat, what Telegram said)


class FailureFollowUps(Protocol):
    """What the service does when a message can't be delivered (its rules, wired in by bot/)."""

    async def on_unreachable(
        self, uow: AsyncSession, person_id: int, error: str, now: datetime
    ) -> None:
        """Telegram refused this person for good."""

    async def on_permanent_failure(
        self, uow: AsyncSession, row: OutboxMessage, now: datetime
    ) -> None:
        """This row failed for good; its failure is already recorded."""


def retry_delay(
    attempts: int,
    retry_after: float | None,
    *,
    draw: Callable[[float, float], float] = random.uniform,
) -> float:
    """Seconds until a failed send is tried again: when Telegram said (no sooner), otherwise
    an exponential backoff with full jitter, so many failed sends don't all come back at once."""
    if retry_after is not None:
        return retry_after
    return draw(MIN_BACKOFF, min(MAX_BACKOFF, 2.0**attempts))


def note_maybe_sent(uow: AsyncSession, row: OutboxMessage, now: datetime, why: str) -> None:
    """A try whose outcome is unknown: a retry may show it twice; count it (see outbox status)."""
    record_audit(
        uow,
        "delivery.timed_out",
        at=now,
        subject=audit_subject("outbox", row.id),
        person_id=row.person_id,
        attempt=row.attempts,
        reason=why,
    )


def mark_failed(uow: AsyncSession, row: OutboxMessage, reason: str, now: datetime) -> None:
    """The row can never be sent: stop trying, and say why on the timeline."""
    row.status = OutboxStatus.FAILED.value
    row.last_error = reason[:300]
    record_audit(
        uow,
        "delivery.failed",
        at=now,
        subject=audit_subject("outbox", row.id),
        person_id=row.person_id,
        reason=reason[:200],
    )


async def record_failure(
    uow: AsyncSession,
    row: OutboxMessage,
    result: DeliveryResult,
    now: datetime,
    follow_ups: FailureFollowUps,
) -> None:
    """A send Telegram did not take: fail it for good, or put it back for a retry."""
    if result.is_permanent or row.attempts >= MAX_ATTEMPTS:
        mark_failed(uow, row, result.error or "failed", now)
        if result.is_unreachable and row.person_id is not None:
            await follow_ups.on_unreachable(uow, row.person_id, result.error or "failed", now)
        return
    if result.may_have_arrived:
        note_maybe_sent(uow, row, now, "no answer in time")
    delay = retry_delay(row.attempts, result.retry_after)
    row.not_before = now + timedelta(seconds=delay)
    row.last_error = (result.error or "")[:300]


class Recorder:
    """Writes down each send's outcome as soon as it can (a crash before that sends it again).

    Group commit: whoever holds the recorder writes down every send finished so far, in one
    transaction, and each send returns only once its outcome is committed.
    """

    def __init__(
        self,
        db: Database,
        clock: Clock,
        follow_ups: FailureFollowUps,
        *,
        limits: Limits | None,
        pace_clock: Clock,
    ) -> None:
        self._db = db
        self._clock = clock
        self._follow_ups = follow_ups
        self._limits = limits
        self._pace_clock = pace_clock
        self._unrecorded: list[Finished] = []
        self._starting: list[int] = []  # rows whose send starts once the ones before are recorded
        self._lock = asyncio.Lock()

    async def record(
        self, row_id: int, chat_id: int, result: DeliveryResult, *, next_id: int | None
    ) -> None:
        """Write down one send (with any others finished meanwhile). `next_id`, the chat's row
        to send after it, is marked as on its way when this one is recorded sent."""
        self._unrecorded.append((row_id, chat_id, result))
        if result.ok and next_id is not None:
            self._starting.append(next_id)
        async with self._lock:
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

    async def record_leftovers(self) -> None:
        """Outcomes a failed record left behind, before anything is claimed again."""
        if self._unrecorded:
            async with self._lock:
                finished, self._unrecorded = self._unrecorded, []
                await self._record_all(finished)

    async def give_back(self, failed_id: int, row_ids: list[int]) -> None:
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

    async def _record_all(self, finished: list[Finished], starting: Sequence[int] = ()) -> None:
        now = self._clock.now()
        async with self._db.unit_of_work() as uow:
            if starting:
                await uow.execute(MARK_SENDING, [{"row_id": row_id} for row_id in starting])
            sent = [(row_id, result) for row_id, _, result in finished if result.ok]
            if sent:  # the common case, in one statement: no row needs loading
                await uow.execute(
                    MARK_SENT,
                    [
                        {"row_id": row_id, "sent_at": now, "message_id": result.message_id}
                        for row_id, result in sent
                    ],
                )
            unsent = {row_id: result for row_id, _, result in finished if not result.ok}
            if unsent:
                await self._record_unsent(uow, unsent, now)
            paused = {
                chat_id: result.retry_after
                for _, chat_id, result in finished
                if not result.ok and result.retry_after is not None
            }
            if paused and self._limits is not None:
                pacer = Pacer(uow, self._limits, self._pace_clock.now())
                await pacer.load(set(paused), lock=self._db.is_postgres)
                for chat_id, seconds in paused.items():
                    pacer.pause(chat_id, seconds)  # a 429 pauses only that chat

    async def _record_unsent(
        self, uow: AsyncSession, unsent: dict[int, DeliveryResult], now: datetime
    ) -> None:
        query = select(OutboxMessage).where(OutboxMessage.id.in_(unsent)).order_by(OutboxMessage.id)
        for row in await uow.scalars(query):
            await record_failure(uow, row, unsent[row.id], now, self._follow_ups)
            if row.status != OutboxStatus.FAILED.value:
                continue
            try:
                async with uow.begin_nested():
                    await self._follow_ups.on_permanent_failure(uow, row, now)
            except Exception:  # the outcome above is still recorded
                log.exception("follow-up of failed outbox row %s failed", row.id)
