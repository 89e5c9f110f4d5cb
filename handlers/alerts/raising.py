"""Raise, acknowledge, resolve and look into safeguarding alerts: the use cases."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.alerts.escalation import ping_current_step
from handlers.alerts.holding import (
    Acknowledged,
    acknowledge_alert,
    escalate_alert_now,
    release_alerts_held_by,
    resolve_alert,
    take_over_alert,
)
from handlers.alerts.messages import alert_facts, ping_text
from handlers.alerts.timeline import timeline_of
from handlers.service.audit import audit_subject, record_audit
from handlers.service.context import ServiceContext
from handlers.service.hours import is_open
from storage.models import (
    WELFARE_ORIGIN,
    Alert,
    AlertPing,
    AlertStatus,
    AuditEvent,
    Person,
    Role,
    Session,
    Severity,
)
from storage.session_queries import session_with_children, sessions_of_worker_between

RAISERS = frozenset({Role.WORKER.value, Role.SENIOR.value, Role.MANAGER.value})
OVERSEERS = frozenset({Role.MANAGER.value, Role.COORDINATOR.value, Role.ADMIN.value})
RESPONDERS = OVERSEERS | {Role.SENIOR.value}
NOT_STAFF = frozenset({Role.CARER.value})  # may never answer an alert, whatever pinged them


async def sessions_to_alert_about(
    uow: AsyncSession, worker: Person, ctx: ServiceContext
) -> tuple[list[Session], Session | None]:
    """The worker's sessions today, and the one in progress or starting soon (preselected)."""
    now = ctx.now()
    local_day = ctx.local(now).replace(hour=0, minute=0, second=0, microsecond=0)
    found = await sessions_of_worker_between(
        uow, worker.id, starts=local_day, ends=local_day + timedelta(days=1)
    )
    margin = timedelta(minutes=ctx.config.escalation.session_margin_minutes)
    current = next((s for s in found if s.starts_at - margin <= now < s.ends_at + margin), None)
    return found, current


async def raise_alert(
    uow: AsyncSession,
    worker: Person,
    *,
    severity: Severity,
    session_id: int | None,
    note: str | None,
    ctx: ServiceContext,
) -> tuple[Alert, list[Person]]:
    """Record the alert and ping the first level of its chain, all in this unit of work."""
    booked = await uow.get(Session, session_id) if session_id else None
    if booked is not None and booked.worker_id != worker.id:
        booked = None
    return await _raise(uow, worker, booked, severity=severity, note=note, ctx=ctx)


async def raise_carer_concern(
    uow: AsyncSession, carer: Person, *, session_id: int, note: str, ctx: ServiceContext
) -> tuple[Alert, list[Person]]:
    """An urgent alert from what a carer reported about a session's child (the caller checked
    the child is theirs and in that session): the on-site chain is pinged at once."""
    booked = await uow.get(Session, session_id)
    return await _raise(uow, carer, booked, severity=Severity.URGENT, note=note, ctx=ctx)


async def raise_missed_welfare_check(
    uow: AsyncSession, worker: Person, *, session_id: int, note: str, ctx: ServiceContext
) -> tuple[Alert, list[Person]]:
    """An urgent alert the bot raises when a worker on a lone or community session did not
    answer a welfare check in time; the ping says so in the note's words."""
    booked = await uow.get(Session, session_id)
    return await _raise(
        uow, worker, booked, severity=Severity.URGENT, note=note, ctx=ctx, origin=WELFARE_ORIGIN
    )


async def _raise(
    uow: AsyncSession,
    raiser: Person,
    booked: Session | None,
    *,
    severity: Severity,
    note: str | None,
    ctx: ServiceContext,
    origin: str | None = None,
) -> tuple[Alert, list[Person]]:
    now = ctx.now()
    alert = Alert(
        severity=severity.value,
        status=AlertStatus.OPEN.value,
        raised_by_id=raiser.id,
        session_id=booked.id if booked else None,
        venue_code=booked.venue_code if booked else raiser.venue_code,
        room=booked.room if booked else None,
        note=note or None,
        raised_at=now,
        is_out_of_hours=not is_open(ctx.config, now),
        step=0,
        is_resolve_reminded=False,
        origin=origin,
    )
    uow.add(alert)
    await uow.flush()
    record_audit(
        uow,
        "alert.raised",
        at=now,
        actor_person_id=raiser.id,
        subject=audit_subject("alert", alert.id),
        note=alert.note,  # as written: the record is the timeline, the alerts row is operational
        severity=severity.value,
        session_id=alert.session_id,
        session_ref=booked.ref if booked else None,
        venue=alert.venue_code,
        room=alert.room,
        out_of_hours=alert.is_out_of_hours,
        origin=origin,
    )
    pinged = await ping_current_step(uow, alert, ctx, now, reason=None)
    return alert, pinged


def may_respond(person: Person, alert: Alert, was_pinged: bool) -> bool:
    """Whoever was pinged, and the service's managers, may acknowledge, resolve or read details."""
    if person.id == alert.raised_by_id:
        return False
    # A ping counts only while its person is still staff (not since made a carer, say); anyone
    # the chain pings (an on-call worker too) may answer it.
    return (was_pinged and person.role not in NOT_STAFF) or person.role in OVERSEERS


def may_read(person: Person, alert: Alert, was_pinged: bool) -> bool:
    """Details go to responders and to the staff member who raised it; nobody else (a carer whose
    handover card raised it is told it was passed on, not the handling of it)."""
    is_raiser = person.id == alert.raised_by_id and person.role not in NOT_STAFF
    return is_raiser or may_respond(person, alert, was_pinged)


async def was_pinged(uow: AsyncSession, alert_id: int, person_id: int) -> bool:
    """Whether this person was sent a ping about the alert."""
    found = await uow.scalar(
        select(AlertPing.id).where(AlertPing.alert_id == alert_id, AlertPing.person_id == person_id)
    )
    return found is not None


def refuse(
    uow: AsyncSession,
    alert_id: int,
    action: str,
    *,
    now: datetime,
    person: Person | None = None,
    telegram_user_id: int | None = None,
) -> None:
    """Put a refused attempt (wrong person, forwarded message, stranger) on the timeline."""
    record_audit(
        uow,
        "alert.access_refused",
        at=now,
        actor_person_id=person.id if person else None,
        actor_telegram_id=telegram_user_id,
        subject=audit_subject("alert", alert_id),
        attempted=action,
    )


async def alert_details(uow: AsyncSession, alert: Alert, ctx: ServiceContext) -> str:
    """Everything an authorised person may read: children by initials, note, timeline."""
    facts = await alert_facts(uow, alert)
    lines = [ping_text(facts, ctx, now=ctx.now())]
    if alert.session_id:
        booked = await session_with_children(uow, alert.session_id)
        if booked is not None and booked.children:
            lines.append("Children: " + ", ".join(c.label for c in booked.children))
            if booked.supervision_level:
                lines.append(f"Supervision: {booked.supervision_level}")
    events = list(
        await uow.scalars(
            select(AuditEvent)
            .where(AuditEvent.subject == audit_subject("alert", alert.id))
            .order_by(AuditEvent.id)
        )
    )
    raised = next((e for e in events if e.action == "alert.raised"), None)
    note = raised.note if raised is not None else alert.note
    raiser = await uow.get(Person, alert.raised_by_id)
    who = "the carer" if raiser is not None and raiser.role == Role.CARER.value else "the worker"
    if alert.origin == WELFARE_ORIGIN:  # the bot's words, not the worker's
        lines.append(f"Raised by the bot: {note}")
    else:
        lines.append(f"Note from {who}: {note}" if note else f"No note from {who}.")
    if alert.outcome:
        lines.append(
            f"Outcome: {alert.outcome}"
            + (f" — {alert.resolution_note}" if alert.resolution_note else "")
        )
    lines.append("Timeline:")
    lines += await timeline_of(uow, events, ctx)
    return "\n".join(lines)


async def open_alerts(uow: AsyncSession) -> list[Alert]:
    """Alerts not yet resolved, newest first."""
    result = await uow.scalars(
        select(Alert).where(Alert.status != AlertStatus.RESOLVED.value).order_by(Alert.id.desc())
    )
    return list(result)


__all__ = [
    "Acknowledged",
    "acknowledge_alert",
    "alert_details",
    "escalate_alert_now",
    "may_read",
    "may_respond",
    "open_alerts",
    "raise_alert",
    "raise_carer_concern",
    "raise_missed_welfare_check",
    "refuse",
    "release_alerts_held_by",
    "resolve_alert",
    "take_over_alert",
    "was_pinged",
]
