"""Time-driven work on each wake-up: escalations, reminders, welfare checks, overdue reports,
readiness, the watchdog."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError

from handlers.alerts import (
    check_chain_readiness,
    escalate_due_alerts,
    next_escalation_due,
    raise_missed_welfare_check,
    readiness_checked,
)
from handlers.delivery.watchdog import watch_delivery
from handlers.service.context import ServiceContext
from handlers.sessions import (
    ask_about_missing_parents,
    ask_welfare_checks,
    chase_overdue_reports,
    claim_missed_checks,
    record_welfare_alert,
    send_due_reminders,
)
from scheduler.retention import RetentionPurge
from storage.database import Database

log = logging.getLogger(__name__)

BATCH = 50


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
        handled += await self._check_readiness()
        try:
            async with self._db.unit_of_work() as uow:
                handled += await send_due_reminders(uow, self._ctx, self._ctx.now())
        except IntegrityError:
            log.info("another instance queued these reminders first")
        try:
            async with self._db.unit_of_work() as uow:
                handled += await ask_about_missing_parents(uow, self._ctx, self._ctx.now())
        except IntegrityError:
            log.info("another instance asked about these parents first")
        handled += await self._check_welfare()
        try:
            async with self._db.unit_of_work() as uow:
                handled += await chase_overdue_reports(uow, self._ctx, self._ctx.now())
        except IntegrityError:
            log.info("another instance chased these reports first")
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

    async def _check_welfare(self) -> int:
        """Ask the welfare checks now due; raise an alert for each one missed (claimed once)."""
        handled = 0
        try:
            async with self._db.unit_of_work() as uow:
                handled += await ask_welfare_checks(uow, self._ctx, self._ctx.now())
        except IntegrityError:
            log.info("another instance asked these welfare checks first")
        async with self._db.unit_of_work() as uow:
            now = self._ctx.now()
            for missed in await claim_missed_checks(uow, self._ctx, now):
                alert, _pinged = await raise_missed_welfare_check(
                    uow, missed.worker, session_id=missed.session_id, note=missed.note,
                    ctx=self._ctx,
                )
                await record_welfare_alert(uow, missed, alert.id, now)
                handled += 1
        return handled

    async def _run_batch(self) -> int:
        now = self._ctx.now()
        async with self._db.unit_of_work() as uow:
            due, latenesses = await escalate_due_alerts(
                uow, self._ctx, now, limit=BATCH, lock=self._db.is_postgres
            )
        for lateness in latenesses:  # committed: now they count
            self._on_escalated(lateness)
        return due
