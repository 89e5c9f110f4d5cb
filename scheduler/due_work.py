"""Time-driven work on each wake-up: escalations, reminders, welfare checks, overdue reports,
readiness, the watchdog."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.alerts import (
    check_chain_readiness,
    escalate_due_alerts,
    next_escalation_due,
    raise_missed_welfare_check,
    readiness_checked,
)
from handlers.delivery.watchdog import watch_delivery
from handlers.reports import (
    chase_overdue_reports,
)
from handlers.service.context import ServiceContext
from handlers.sessions import (
    ask_about_missing_parents,
    ask_welfare_checks,
    claim_missed_checks,
    record_welfare_alert,
    send_due_reminders,
)
from scheduler.retention import RetentionPurge
from storage.database import Database

log = logging.getLogger(__name__)

BATCH = 50
# One kind of due work: queues what is due now, once, and says how many it queued.
OnceWork = Callable[[AsyncSession, ServiceContext, datetime], Awaitable[int]]


class DueWork:
    """Runs due escalations, reminders, the 15-minute question, welfare check-ins, the morning
    readiness check and the delivery watchdog."""

    def __init__(
        self,
        db: Database,
        ctx: ServiceContext,
        *,
        on_queued: Callable[[], None],
        on_next_deadline: Callable[[datetime], None],
        on_escalated: Callable[[float], None] = lambda _lateness: None,
    ) -> None:
        self._db = db
        self._ctx = ctx
        self._on_queued = on_queued
        self._on_next_deadline = on_next_deadline
        self._on_escalated = on_escalated
        self._readiness_checked_on: date | None = None
        self._retention = RetentionPurge(db, ctx)

    async def run_once(self) -> int:
        """Act on every due alert (each exactly once, even with several instances)."""
        handled = 0
        while True:
            batch = await self._run_batch()
            handled += batch
            if batch < BATCH:
                break
        handled += await self._raise_missed_welfare_checks()  # alerts first, as escalations
        handled += await self._check_readiness()
        handled += await self._run_once(send_due_reminders, "queued these reminders")
        handled += await self._run_once(ask_about_missing_parents, "asked about these parents")
        handled += await self._run_once(ask_welfare_checks, "asked these welfare checks")
        handled += await self._run_once(chase_overdue_reports, "chased these reports")
        try:
            async with self._db.unit_of_work() as uow:
                await watch_delivery(uow, self._ctx, self._ctx.now())
        except IntegrityError:
            log.info("another instance sent this window's watchdog warning")
        async with self._db.unit_of_work() as uow:
            nearest = await next_escalation_due(uow)
        if handled:
            self._on_queued()
        if nearest is not None:
            self._on_next_deadline(nearest)
        # Last, once the next deadline's wake-up is set: the purge never holds up an alert.
        await self._retention.run_if_due()
        return handled

    async def _check_readiness(self) -> int:
        """The morning chain check, at most once a day per process (the database says if done)."""
        today = self._ctx.local(self._ctx.now()).date()
        if self._readiness_checked_on == today:
            return 0
        try:
            async with self._db.unit_of_work() as uow:
                told = await check_chain_readiness(uow, self._ctx, self._ctx.now())
                is_done = await readiness_checked(uow, self._ctx, self._ctx.now())
        except IntegrityError:
            log.info("another instance ran today's readiness check")
            return 0
        if is_done:
            self._readiness_checked_on = today
        return int(told)

    async def _raise_missed_welfare_checks(self) -> int:
        """An alert for each welfare check missed (claimed once), each in a unit of work of its
        own and handed to the sender at once, so no alert's pings wait behind the others'."""
        raised = 0
        while True:
            async with self._db.unit_of_work() as uow:
                now = self._ctx.now()
                claimed = await claim_missed_checks(uow, self._ctx, now, limit=1)
                for missed in claimed:
                    alert, _pinged = await raise_missed_welfare_check(
                        uow, missed.worker, session_id=missed.session_id, note=missed.note,
                        ctx=self._ctx,
                    )
                    await record_welfare_alert(uow, missed, alert.id, now)
            if not claimed:
                return raised
            raised += len(claimed)
            self._on_queued()

    async def _run_once(self, work: OnceWork, what_was_done: str) -> int:
        """One kind of due work in its own unit of work. Its unique keys make it once-only: a
        key another instance wrote first means that instance did it, so this one stands back."""
        try:
            async with self._db.unit_of_work() as uow:
                return await work(uow, self._ctx, self._ctx.now())
        except IntegrityError:
            log.info("another instance %s first", what_was_done)
            return 0

    async def _run_batch(self) -> int:
        now = self._ctx.now()
        async with self._db.unit_of_work() as uow:
            due, latenesses = await escalate_due_alerts(
                uow, self._ctx, now, limit=BATCH, lock=self._db.is_postgres
            )
        for lateness in latenesses:  # committed: now they count
            self._on_escalated(lateness)
        return due
