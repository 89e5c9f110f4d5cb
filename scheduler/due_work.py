"""Time-driven work on each wake-up: due escalations, reminders, readiness, the watchdog."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from handlers.alerts.escalation import escalate_due_alert
from handlers.alerts.readiness import check_chain_readiness, readiness_checked
from handlers.delivery.watchdog import watch_delivery
from handlers.service.audit import record_audit
from handlers.service.context import ServiceContext
from handlers.sessions.reminders import send_due_reminders
from scheduler.retention import RetentionPurge
from storage.database import Database
from storage.models import Alert, AlertStatus

log = logging.getLogger(__name__)

BATCH = 50
_UNRESOLVED = (AlertStatus.OPEN.value, AlertStatus.ACKNOWLEDGED.value)
RETRY_BROKEN = timedelta(minutes=1)


class DueWork:
    """Runs due escalations, reminders, the morning readiness check and the delivery watchdog."""

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
                await watch_delivery(uow, self._ctx, self._ctx.now())
        except IntegrityError:
            log.info("another instance sent this window's watchdog warning")
        async with self._db.unit_of_work() as uow:
            nearest = await uow.scalar(
                select(func.min(Alert.due_at)).where(Alert.status.in_(_UNRESOLVED))
            )
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

    async def _run_batch(self) -> int:
        now = self._ctx.now()
        async with self._db.unit_of_work() as uow:
            query = (
                select(Alert)
                .where(Alert.status.in_(_UNRESOLVED), Alert.due_at <= now)
                .order_by(Alert.due_at)
                .limit(BATCH)
            )
            if self._db.is_postgres:
                # Another instance skips the rows this one holds, so no alert is handled twice.
                query = query.with_for_update(skip_locked=True)
            alerts = list(await uow.scalars(query))
            latenesses: list[float] = []
            for alert in alerts:
                alert_id = alert.id
                try:
                    async with uow.begin_nested():
                        lateness = await escalate_due_alert(uow, alert, self._ctx, now)
                    if lateness is not None:
                        latenesses.append(lateness)
                except Exception:
                    # One broken alert must not hold up the others; it is retried shortly.
                    log.exception("escalating alert %s failed; retrying in a minute", alert_id)
                    await uow.execute(
                        update(Alert).where(Alert.id == alert_id).values(due_at=now + RETRY_BROKEN)
                    )
                    record_audit(
                        uow, "alert.escalation_error", at=now, subject=f"alert:{alert_id}"
                    )
        for lateness in latenesses:  # committed: now they count
            self._on_escalated(lateness)
        return len(alerts)
