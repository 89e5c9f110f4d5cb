"""Raise, acknowledge, resolve and look into safeguarding alerts: the use cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from handlers.alert_messages import alert_facts, ping_text
from handlers.audit import record_audit
from handlers.context import ServiceContext
from handlers.escalation import edit_every_ping, ping_current_step, subject, tell_raiser
from handlers.service_hours import is_open
from storage.models import (
    Alert,
    AlertPing,
    AlertStatus,
    AuditEvent,
    Person,
    Role,
    Session,
    SessionStatus,
    Severity,
)

RAISERS = frozenset({Role.WORKER.value, Role.SENIOR.value, Role.MANAGER.value})
OVERSEERS = frozenset({Role.MANAGER.value, Role.COORDINATOR.value, Role.ADMIN.value})
RESPONDERS = OVERSEERS | {Role.SENIOR.value}
SOON = timedelta(minutes=30)


async def sessions_to_alert_about(
    session: AsyncSession, worker: Person, ctx: ServiceContext
) -> tuple[list[Session], Session | None]:
    """The worker's sessions today, and the one in progress or starting soon (preselected)."""
    now = ctx.now()
    local_day = ctx.local(now).replace(hour=0, minute=0, second=0, microsecond=0)
    found = list(
        await session.scalars(
            select(Session)
            .where(
                Session.worker_id == worker.id,
                Session.status != SessionStatus.CANCELLED.value,
                Session.starts_at < local_day + timedelta(days=1),
                Session.ends_at > local_day,
            )
            .order_by(Session.starts_at)
        )
    )
    current = next((s for s in found if s.starts_at - SOON <= now < s.ends_at + SOON), None)
    return found, current


async def raise_alert(
    session: AsyncSession,
    worker: Person,
    *,
    severity: Severity,
    session_id: int | None,
    note: str | None,
    ctx: ServiceContext,
) -> tuple[Alert, list[Person]]:
    """Record the alert and ping the first level of its chain, all in this unit of work."""
    now = ctx.now()
    booked = await session.get(Session, session_id) if session_id else None
    if booked is not None and booked.worker_id != worker.id:
        booked = None
    alert = Alert(
        severity=severity.value,
        status=AlertStatus.OPEN.value,
        raised_by_id=worker.id,
        session_id=booked.id if booked else None,
        venue_code=booked.venue_code if booked else worker.venue_code,
        room=booked.room if booked else None,
        note=note or None,
        raised_at=now,
        is_out_of_hours=not is_open(ctx.config, now),
        step=0,
        is_resolve_reminded=False,
    )
    session.add(alert)
    await session.flush()
    record_audit(
        session,
        "alert.raised",
        at=now,
        actor_person_id=worker.id,
        subject=subject(alert),
        severity=severity.value,
        session_id=alert.session_id,
        venue=alert.venue_code,
        out_of_hours=alert.is_out_of_hours,
    )
    pinged = await ping_current_step(session, alert, ctx, now, reason=None)
    return alert, pinged


def may_respond(person: Person, alert: Alert, was_pinged: bool) -> bool:
    """Whoever was pinged, and the service's managers, may acknowledge, resolve or read details."""
    if person.id == alert.raised_by_id:
        return False
    return was_pinged or person.role in OVERSEERS


def may_read(person: Person, alert: Alert, was_pinged: bool) -> bool:
    """Details go to responders and to the worker who raised it; nobody else."""
    return person.id == alert.raised_by_id or may_respond(person, alert, was_pinged)


async def was_pinged(session: AsyncSession, alert_id: int, person_id: int) -> bool:
    """Whether this person was sent a ping about the alert."""
    found = await session.scalar(
        select(AlertPing.id).where(AlertPing.alert_id == alert_id, AlertPing.person_id == person_id)
    )
    return found is not None


def refuse(
    session: AsyncSession,
    alert_id: int,
    action: str,
    *,
    now: datetime,
    person: Person | None = None,
    telegram_user_id: int | None = None,
) -> None:
    """Put a refused attempt (wrong person, forwarded message, stranger) on the timeline."""
    record_audit(
        session,
        "alert.access_refused",
        at=now,
        actor_person_id=person.id if person else None,
        actor_telegram_id=telegram_user_id,
        subject=f"alert:{alert_id}",
        attempted=action,
    )


@dataclass(frozen=True)
class Acknowledged:
    """Who has the alert now, and whether it was this person's tap that won."""

    alert: Alert
    holder: Person
    is_winner: bool


async def acknowledge_alert(
    session: AsyncSession, alert: Alert, person: Person, ctx: ServiceContext
) -> Acknowledged:
    """The first acknowledgement wins atomically; escalation stops; everyone is told who has it."""
    now = ctx.now()
    resolve_by = now + timedelta(minutes=ctx.config.escalation.resolve_reminder_minutes)
    won = await session.execute(
        update(Alert)
        .where(Alert.id == alert.id, Alert.status == AlertStatus.OPEN.value)
        .values(
            status=AlertStatus.ACKNOWLEDGED.value,
            acknowledged_by_id=person.id,
            acknowledged_at=now,
            due_at=resolve_by,
            is_resolve_reminded=False,
        )
        .execution_options(synchronize_session=False)
    )
    await session.refresh(alert)
    holder = (
        await session.get(Person, alert.acknowledged_by_id) if alert.acknowledged_by_id else None
    )
    if won.rowcount != 1 or holder is None:  # type: ignore[attr-defined]
        return Acknowledged(alert, holder or person, is_winner=False)
    record_audit(
        session, "alert.acknowledged", at=now, actor_person_id=person.id, subject=subject(alert)
    )
    when = f"{ctx.local(now):%H:%M}"
    await edit_every_ping(
        session,
        alert,
        ctx,
        now,
        f"✅ Acknowledged by {_name(holder)} at {when}",
        f"ack{alert.step}",
    )
    told = f"✅ {_name(holder)} has your alert {alert.ref} (acknowledged at {when})."
    await tell_raiser(session, alert, told, key=f"ack{alert.step}", now=now)
    return Acknowledged(alert, holder, is_winner=True)


async def resolve_alert(
    session: AsyncSession,
    alert: Alert,
    person: Person,
    *,
    outcome: str,
    note: str | None,
    ctx: ServiceContext,
) -> bool:
    """Close the alert with an outcome; False if someone else resolved it first."""
    if not outcome.strip():
        raise ValueError("resolving an alert needs an outcome")
    now = ctx.now()
    done = await session.execute(
        update(Alert)
        .where(Alert.id == alert.id, Alert.status != AlertStatus.RESOLVED.value)
        .values(
            status=AlertStatus.RESOLVED.value,
            resolved_by_id=person.id,
            resolved_at=now,
            outcome=outcome,
            resolution_note=note or None,
            due_at=None,
            acknowledged_by_id=Alert.acknowledged_by_id if alert.acknowledged_by_id else person.id,
            acknowledged_at=alert.acknowledged_at or now,
        )
        .execution_options(synchronize_session=False)
    )
    await session.refresh(alert)
    if done.rowcount != 1:  # type: ignore[attr-defined]
        return False
    record_audit(
        session,
        "alert.resolved",
        at=now,
        actor_person_id=person.id,
        subject=subject(alert),
        outcome=outcome,
        note=note,
    )
    status = f"☑️ Resolved by {_name(person)} at {ctx.local(now):%H:%M}: {outcome}"
    await edit_every_ping(session, alert, ctx, now, status, "resolved")
    told = f"☑️ Your alert {alert.ref} was resolved by {_name(person)}: {outcome}."
    await tell_raiser(session, alert, told, key="resolved", now=now)
    return True


async def alert_details(session: AsyncSession, alert: Alert, ctx: ServiceContext) -> str:
    """Everything an authorised person may read: children by initials, note, timeline."""
    facts = await alert_facts(session, alert)
    lines = [ping_text(facts, ctx, now=ctx.now())]
    if alert.session_id:
        booked = await session.scalar(
            select(Session)
            .where(Session.id == alert.session_id)
            .options(selectinload(Session.children))
        )
        if booked is not None and booked.children:
            lines.append("Children: " + ", ".join(c.label for c in booked.children))
            if booked.supervision_level:
                lines.append(f"Supervision: {booked.supervision_level}")
    lines.append(
        f"Note from the worker: {alert.note}" if alert.note else "No note from the worker."
    )
    if alert.outcome:
        lines.append(
            f"Outcome: {alert.outcome}"
            + (f" — {alert.resolution_note}" if alert.resolution_note else "")
        )
    events = await session.scalars(
        select(AuditEvent).where(AuditEvent.subject == subject(alert)).order_by(AuditEvent.id)
    )
    lines.append("Timeline:")
    lines += [f"  {ctx.local(e.at):%H:%M:%S} {e.action.removeprefix('alert.')}" for e in events]
    return "\n".join(lines)


async def open_alerts(session: AsyncSession) -> list[Alert]:
    """Alerts not yet resolved, newest first."""
    result = await session.scalars(
        select(Alert).where(Alert.status != AlertStatus.RESOLVED.value).order_by(Alert.id.desc())
    )
    return list(result)


def _name(person: Person) -> str:
    return f"{person.first_name} ({person.role.replace('_', ' ')})"
