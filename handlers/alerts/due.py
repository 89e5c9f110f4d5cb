"""Alerts due for their next escalation step: found, escalated one by one, and the nearest
deadline, so the scheduler only has to wake up and ask."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.alerts.escalation import escalate_due_alert
from handlers.service.audit import audit_subject, record_audit
from handlers.service.context import ServiceContext
from storage.models import Alert, AlertStatus

log = logging.getLogger(__name__)

UNRESOLVED = (AlertStatus.OPEN.value, AlertStatus.ACKNOWLEDGED.value)
RETRY_BROKEN = timedelta(minutes=1)


async def escalate_due_alerts(
    uow: AsyncSession, ctx: ServiceContext, now: datetime, *, limit: int, lock: bool
) -> tuple[int, list[float]]:
    """Escalate up to `limit` due alerts, most overdue first; returns how many were due and
    how late each escalation was. `lock`: another instance skips the alerts this one holds."""
    query = (
        select(Alert)
        .where(Alert.status.in_(UNRESOLVED), Alert.due_at <= now)
        .order_by(Alert.due_at)
        .limit(limit)
    )
    if lock:
        query = query.with_for_update(skip_locked=True)
    alerts = list(await uow.scalars(query))
    latenesses: list[float] = []
    for alert in alerts:
        alert_id = alert.id
        try:
            async with uow.begin_nested():
                lateness = await escalate_due_alert(uow, alert, ctx, now)
            if lateness is not None:
                latenesses.append(lateness)
        except Exception:
            # One broken alert must not hold up the others; it is retried shortly.
            log.exception("escalating alert %s failed; retrying in a minute", alert_id)
            await uow.execute(
                update(Alert).where(Alert.id == alert_id).values(due_at=now + RETRY_BROKEN)
            )
            subject = audit_subject("alert", alert_id)
            record_audit(uow, "alert.escalation_error", at=now, subject=subject)
    return len(alerts), latenesses


async def next_escalation_due(uow: AsyncSession) -> datetime | None:
    """When the soonest unresolved alert is next due to escalate, if any is."""
    return await uow.scalar(select(func.min(Alert.due_at)).where(Alert.status.in_(UNRESOLVED)))
