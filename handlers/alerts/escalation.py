"""Pinging an alert's chain, climbing it when nobody acknowledges, and reminding to resolve."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.alerts.chain import gather_candidates
from handlers.alerts.messages import AlertFacts, alert_facts, ping_keyboard, ping_text
from handlers.alerts.notices import edit_every_ping, step_key, tell_raiser, tell_raiser_climbed
from handlers.alerts.policy import Candidate, StepPlan, climb
from handlers.delivery.chat import SendMessage
from handlers.delivery.outbox import queue_delivery
from handlers.service.audit import audit_subject, record_audit
from handlers.service.context import ServiceContext
from handlers.service.labels import person_label
from storage.models import Alert, AlertPing, AlertStatus, OutboxMessage, Person, Priority, Severity


async def ping_current_step(
    uow: AsyncSession,
    alert: Alert,
    ctx: ServiceContext,
    now: datetime,
    reason: str | None,
    *,
    raiser_lead: str | None = None,
) -> list[Person]:
    """Ping everyone reachable at the alert's step, climbing at once past steps nobody can take.

    With `raiser_lead`, the worker who raised it is told where it has gone (when raised, their
    reply says so instead).
    """
    facts = await alert_facts(uow, alert)
    gathered = await gather_candidates(uow, ctx.config, alert, now)
    landing = climb(
        ctx.config.escalation,
        Severity(alert.severity),
        alert.step,
        [candidate for _, candidate in gathered.values()],
        raised_by_id=alert.raised_by_id,
        is_out_of_hours=alert.is_out_of_hours,
    )
    for plan in landing.plans:
        if plan.step != alert.step:
            alert.step = plan.step
            reason = "Passed straight up the chain: nobody at the level before could be reached."
        _record_plan(uow, alert, plan, gathered, now)
    alert.due_at = now + landing.wait
    if not landing.pinged:
        record_audit(
            uow,
            "alert.nobody_reachable",
            at=now,
            subject=audit_subject("alert", alert.id),
            step=alert.step,
        )
        await _tell_raiser_nobody_reachable(uow, alert, ctx, now)
        return []
    reachable = [gathered[person_id][0] for person_id in landing.pinged]
    for person in reachable:
        await _ping(uow, alert, person, facts, ctx, now, reason)
    level_number = landing.plans[-1].level_number
    record_audit(
        uow,
        "alert.pinged",
        at=now,
        subject=audit_subject("alert", alert.id),
        step=alert.step,
        level=level_number,
        people=list(landing.pinged),
        due_at=alert.due_at.isoformat(),
    )
    if raiser_lead is not None:
        await tell_raiser_climbed(uow, alert, raiser_lead, reachable, level=level_number, now=now)
    return reachable


def _record_plan(
    uow: AsyncSession,
    alert: Alert,
    plan: StepPlan,
    gathered: dict[int, tuple[Person, Candidate]],
    now: datetime,
) -> None:
    """Put a step's empty level (the fallback used) and its unreachable people on the timeline."""
    if plan.is_fallback:
        record_audit(
            uow,
            "alert.level_empty",
            at=now,
            subject=audit_subject("alert", alert.id),
            step=plan.step,
            level=plan.level_number,
            fallback="managers and coordinators",
        )
    for person_id in plan.person_ids:
        why = gathered[person_id][1].why_unreachable
        if why is not None:
            record_audit(
                uow,
                "alert.recipient_unreachable",
                at=now,
                subject=audit_subject("alert", alert.id),
                person_id=person_id,
                step=plan.step,
                reason=why,
            )


async def _ping(
    uow: AsyncSession,
    alert: Alert,
    person: Person,
    facts: AlertFacts,
    ctx: ServiceContext,
    now: datetime,
    reason: str | None,
) -> None:
    text = ping_text(facts, ctx, now=now, reason=reason)
    row = await queue_delivery(
        uow,
        SendMessage(text, ping_keyboard(alert, person), protect_content=True),
        now=now,
        person_id=person.id,
        priority=Priority.ALERT,
        dedupe_key=f"alert:{alert.id}:{step_key(alert.step, f'person:{person.id}')}",
    )
    if row is not None:
        await uow.flush()
        uow.add(
            AlertPing(
                alert_id=alert.id,
                person_id=person.id,
                step=alert.step,
                outbox_id=row.id,
                created_at=now,
            )
        )


async def _tell_raiser_nobody_reachable(
    uow: AsyncSession, alert: Alert, ctx: ServiceContext, now: datetime
) -> None:
    contacts = ctx.config.contacts
    text = (
        f"⚠️ I couldn't reach anyone on the alert chain for {alert.ref} yet; I'll keep "
        f"trying. Phone the office on {contacts.office_phone} now (out of hours, the ESWT "
        f"on {contacts.out_of_hours_phone})."
    )
    await tell_raiser(uow, alert, text, key=step_key(alert.step, "nobody"), now=now)


async def escalate_due_alert(
    uow: AsyncSession, alert: Alert, ctx: ServiceContext, now: datetime
) -> float | None:
    """Act on an alert whose deadline has passed: climb the chain, or remind to resolve.

    Returns how many seconds after its deadline this ran (None if there was nothing to do).
    """
    if alert.due_at is None or alert.status == AlertStatus.RESOLVED.value:
        return None
    deadline = alert.due_at
    lateness = now - deadline
    is_late = lateness > timedelta(seconds=ctx.config.escalation.late_after_seconds)
    late_note = f" (this was due at {ctx.local(deadline):%H:%M})" if is_late else ""
    if alert.status == AlertStatus.ACKNOWLEDGED.value and not alert.is_resolve_reminded:
        await _remind_to_resolve(uow, alert, ctx, now)
    else:
        lead = await _why_escalating(uow, alert, ctx)
        alert.step += 1  # first, so the reopened pings' Escalate now climbs from this step
        if alert.acknowledged_by_id is not None:
            await _reopen(uow, alert, ctx, now, lead)
        await ping_current_step(
            uow,
            alert,
            ctx,
            now,
            lead + late_note,
            raiser_lead="Nobody has it yet." if lead == NOBODY_YET else lead,
        )
    record_audit(
        uow,
        "alert.deadline_passed",
        at=now,
        subject=audit_subject("alert", alert.id),
        step=alert.step,
        deadline=deadline.isoformat(),
        lateness_seconds=round(lateness.total_seconds(), 3),
        is_late=is_late,
    )
    return lateness.total_seconds()


NOBODY_YET = "Escalated: nobody has acknowledged yet."


async def _why_escalating(uow: AsyncSession, alert: Alert, ctx: ServiceContext) -> str:
    holder = (
        await uow.get(Person, alert.acknowledged_by_id) if alert.acknowledged_by_id else None
    )
    if alert.status == AlertStatus.OPEN.value and holder is not None:
        why = "deactivated" if not holder.is_active else "no longer on the staff"
        return f"{person_label(holder)} can no longer act on it ({why})."
    if alert.status == AlertStatus.ACKNOWLEDGED.value and alert.acknowledged_at is not None:
        name = holder.first_name if holder else "Someone"
        when = ctx.local(alert.acknowledged_at)
        return f"{name} acknowledged at {when:%H:%M} but has not resolved it."
    pings = list(
        await uow.scalars(
            select(AlertPing).where(AlertPing.alert_id == alert.id, AlertPing.step == alert.step)
        )
    )
    if pings and all(p.has_failed for p in pings):
        return "Escalated at once: the people at the level before could not be reached."
    return NOBODY_YET


async def _reopen(
    uow: AsyncSession, alert: Alert, ctx: ServiceContext, now: datetime, why: str
) -> None:
    """The holder's time is up (or they were released): open again, and everyone pinged sees it."""
    alert.status = AlertStatus.OPEN.value
    alert.is_resolve_reminded = False
    alert.acknowledged_by_id = None
    alert.acknowledged_at = None
    record_audit(
        uow, "alert.reopened", at=now, subject=audit_subject("alert", alert.id), step=alert.step
    )
    status = f"⚠️ Back with the chain at {ctx.local(now):%H:%M}: {why}"
    await edit_every_ping(uow, alert, ctx, now, status, f"reopened{alert.step}")


async def _remind_to_resolve(
    uow: AsyncSession, alert: Alert, ctx: ServiceContext, now: datetime
) -> None:
    alert.is_resolve_reminded = True
    alert.due_at = now + timedelta(minutes=ctx.config.escalation.resolve_reminder_minutes)
    holder = (
        await uow.get(Person, alert.acknowledged_by_id) if alert.acknowledged_by_id else None
    )
    if holder is None:
        return
    facts = await alert_facts(uow, alert)
    text = ping_text(
        facts,
        ctx,
        now=now,
        status="⏰ You acknowledged this alert; please resolve it with an "
        "outcome, or it will go up the chain again.",
    )
    await queue_delivery(
        uow,
        SendMessage(text, ping_keyboard(alert, holder), protect_content=True),
        now=now,
        person_id=holder.id,
        priority=Priority.ALERT,
        dedupe_key=f"alert:{alert.id}:resolve-reminder:{alert.step}:{holder.id}",
    )
    record_audit(uow, "alert.resolve_reminded", at=now, subject=audit_subject("alert", alert.id))


async def note_failed_delivery(uow: AsyncSession, row: OutboxMessage, now: datetime) -> bool:
    """A ping that can't be delivered; True when the alert must climb the chain at once."""
    ping = await uow.scalar(select(AlertPing).where(AlertPing.outbox_id == row.id))
    if ping is None or ping.has_failed:
        return False
    ping.has_failed = True
    alert = await uow.get(Alert, ping.alert_id)
    if alert is None:
        return False
    record_audit(
        uow,
        "alert.ping_failed",
        at=now,
        subject=audit_subject("alert", alert.id),
        person_id=ping.person_id,
        step=ping.step,
        reason=row.last_error,
    )
    if alert.status != AlertStatus.OPEN.value or ping.step != alert.step:
        return False
    await uow.flush()
    waiting = await uow.scalar(
        select(AlertPing.id).where(
            AlertPing.alert_id == alert.id,
            AlertPing.step == alert.step,
            AlertPing.has_failed.is_(False),
        )
    )
    if waiting is not None:
        return False
    alert.due_at = now
    return True
