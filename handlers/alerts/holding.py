"""Who holds an alert: acknowledge (first wins), take over, resolve, release, escalate now.

The rule: the holder resolves. A manager or coordinator may take over an alert someone else
holds (recorded as such, the holder told) and then resolve it. An alert nobody has acknowledged
must be acknowledged (recorded) before it can be resolved. Each change is one conditional
UPDATE, so two taps at once can't both win.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.alerts.escalation import ping_current_step
from handlers.alerts.messages import TAKERS
from handlers.alerts.notices import edit_every_ping, tell_person, tell_raiser
from handlers.service.audit import audit_subject, record_audit
from handlers.service.context import ServiceContext
from handlers.service.labels import person_label
from storage.models import Alert, AlertStatus, Person


@dataclass(frozen=True)
class Acknowledged:
    """Who has the alert now, and whether it was this person's tap that won."""

    alert: Alert
    holder: Person
    is_winner: bool


async def _holder(uow: AsyncSession, alert: Alert, fallback: Person) -> Person:
    found = (
        await uow.get(Person, alert.acknowledged_by_id) if alert.acknowledged_by_id else None
    )
    return found or fallback


async def acknowledge_alert(
    uow: AsyncSession, alert: Alert, person: Person, ctx: ServiceContext
) -> Acknowledged:
    """The first acknowledgement wins atomically; escalation stops; everyone is told who has it."""
    now = ctx.now()
    resolve_by = now + timedelta(minutes=ctx.config.escalation.resolve_reminder_minutes)
    won = await uow.execute(
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
    await uow.refresh(alert)
    holder = await _holder(uow, alert, person)
    if won.rowcount != 1:  # type: ignore[attr-defined]
        return Acknowledged(alert, holder, is_winner=False)
    record_audit(
        uow,
        "alert.acknowledged",
        at=now,
        actor_person_id=person.id,
        subject=audit_subject("alert", alert.id),
    )
    when = f"{ctx.local(now):%H:%M}"
    status = f"✅ Acknowledged by {person_label(holder)} at {when}"
    await edit_every_ping(uow, alert, ctx, now, status, f"ack{alert.step}")
    told = f"✅ {person_label(holder)} has your alert {alert.ref} (acknowledged at {when})."
    await tell_raiser(uow, alert, told, key=f"ack{alert.step}", now=now)
    return Acknowledged(alert, holder, is_winner=True)


async def take_over_alert(
    uow: AsyncSession, alert: Alert, person: Person, ctx: ServiceContext
) -> Acknowledged:
    """A manager or coordinator takes an alert from its holder; the holder and worker are told."""
    if person.role not in TAKERS:
        raise PermissionError("only a manager or coordinator may take over an alert")
    if alert.status == AlertStatus.OPEN.value:
        return await acknowledge_alert(uow, alert, person, ctx)
    previous_id = alert.acknowledged_by_id
    if alert.status != AlertStatus.ACKNOWLEDGED.value or previous_id in (None, person.id):
        return Acknowledged(alert, await _holder(uow, alert, person), is_winner=False)
    now = ctx.now()
    won = await uow.execute(
        update(Alert)
        .where(
            Alert.id == alert.id,
            Alert.status == AlertStatus.ACKNOWLEDGED.value,
            Alert.acknowledged_by_id == previous_id,
        )
        .values(
            acknowledged_by_id=person.id,
            acknowledged_at=now,
            due_at=now + timedelta(minutes=ctx.config.escalation.resolve_reminder_minutes),
            is_resolve_reminded=False,
        )
        .execution_options(synchronize_session=False)
    )
    await uow.refresh(alert)
    if won.rowcount != 1:  # type: ignore[attr-defined]
        return Acknowledged(alert, await _holder(uow, alert, person), is_winner=False)
    previous = await uow.get(Person, previous_id)
    record_audit(
        uow,
        "alert.taken_over",
        at=now,
        actor_person_id=person.id,
        subject=audit_subject("alert", alert.id),
        from_person_id=previous_id,
    )
    when = f"{ctx.local(now):%H:%M}"
    from_whom = f" from {person_label(previous)}" if previous else ""
    status = f"🔁 Taken over by {person_label(person)}{from_whom} at {when}"
    key = f"takeover:{now:%Y%m%d%H%M%S%f}:{person.id}"
    await edit_every_ping(uow, alert, ctx, now, status, key)
    if previous is not None:
        text = f"🔁 {person_label(person)} has taken over alert {alert.ref} from you at {when}."
        await tell_person(uow, alert, previous.id, text, key=key, now=now)
    told = f"🔁 {person_label(person)} has taken over your alert {alert.ref} at {when}."
    await tell_raiser(uow, alert, told, key=key, now=now)
    return Acknowledged(alert, person, is_winner=True)


async def resolve_alert(
    uow: AsyncSession,
    alert: Alert,
    person: Person,
    *,
    outcome: str,
    note: str | None,
    ctx: ServiceContext,
) -> bool:
    """The holder closes the alert with an outcome; False if it isn't theirs to resolve (now)."""
    if not outcome.strip():
        raise ValueError("resolving an alert needs an outcome")
    now = ctx.now()
    done = await uow.execute(
        update(Alert)
        .where(
            Alert.id == alert.id,
            Alert.status == AlertStatus.ACKNOWLEDGED.value,
            Alert.acknowledged_by_id == person.id,
        )
        .values(
            status=AlertStatus.RESOLVED.value,
            resolved_by_id=person.id,
            resolved_at=now,
            outcome=outcome,
            resolution_note=note or None,
            due_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    await uow.refresh(alert)
    if done.rowcount != 1:  # type: ignore[attr-defined]
        return False
    record_audit(
        uow,
        "alert.resolved",
        at=now,
        actor_person_id=person.id,
        subject=audit_subject("alert", alert.id),
        outcome=outcome,
        note=note,
    )
    taken = f"taken at {ctx.local(alert.acknowledged_at):%H:%M}, " if alert.acknowledged_at else ""
    status = (
        f"☑️ Resolved by {person_label(person)} ({taken}resolved at "
        f"{ctx.local(now):%H:%M}): {outcome}"
    )
    await edit_every_ping(uow, alert, ctx, now, status, "resolved")
    told = f"☑️ Your alert {alert.ref} was resolved by {person_label(person)}: {outcome}."
    await tell_raiser(uow, alert, told, key="resolved", now=now)
    return True


async def escalate_alert_now(
    uow: AsyncSession, alert: Alert, person: Person, from_step: int, ctx: ServiceContext
) -> list[Person] | None:
    """A manager or coordinator sends an open alert to the next level at once.

    None if it is no longer open at `from_step` (acknowledged, or already gone further).
    """
    if person.role not in TAKERS:
        raise PermissionError("only a manager or coordinator may escalate an alert now")
    now = ctx.now()
    moved = await uow.execute(
        update(Alert)
        .where(
            Alert.id == alert.id,
            Alert.status == AlertStatus.OPEN.value,
            Alert.step == from_step,
        )
        .values(step=from_step + 1)
        .execution_options(synchronize_session=False)
    )
    await uow.refresh(alert)
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        return None
    record_audit(
        uow,
        "alert.escalated_now",
        at=now,
        actor_person_id=person.id,
        subject=audit_subject("alert", alert.id),
        from_step=from_step,
    )
    reason = f"Escalated now by {person_label(person)}."
    return await ping_current_step(uow, alert, ctx, now, reason, raiser_lead=reason)


async def release_alerts_held_by(uow: AsyncSession, person: Person, *, now: datetime) -> int:
    """Put every alert this person holds straight back into escalation (they can't act on it).

    The next escalation tick, due at once, tells everyone pinged and the worker, and climbs.
    """
    held = list(
        await uow.scalars(
            select(Alert.id).where(
                Alert.status == AlertStatus.ACKNOWLEDGED.value,
                Alert.acknowledged_by_id == person.id,
            )
        )
    )
    released = 0
    for alert_id in held:
        # Conditional, so an alert resolved meanwhile in another transaction stays resolved.
        # Open with a holder still named marks it as released (escalation reads that, then clears).
        done = await uow.execute(
            update(Alert)
            .where(
                Alert.id == alert_id,
                Alert.status == AlertStatus.ACKNOWLEDGED.value,
                Alert.acknowledged_by_id == person.id,
            )
            .values(status=AlertStatus.OPEN.value, due_at=now, is_resolve_reminded=False)
            .execution_options(synchronize_session=False)
        )
        if done.rowcount == 1:  # type: ignore[attr-defined]
            released += 1
            record_audit(
                uow,
                "alert.released",
                at=now,
                subject=audit_subject("alert", alert_id),
                person_id=person.id,
            )
    return released
