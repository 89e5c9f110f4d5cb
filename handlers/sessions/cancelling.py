"""Calling off a session, written once: a carer's "can't make it", illness, later the service.

The session is marked cancelled with who, why and when; its reminders still queued are
withdrawn (and no new ones are worked out for a cancelled session); the worker, the
coordinators and each child's social worker are told, children by initials and reference.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.delivery.chat import SendMessage
from handlers.delivery.coordinators import active_coordinators
from handlers.delivery.outbox import queue_delivery
from handlers.delivery.reachability import can_reach
from handlers.service.audit import audit_subject, record_audit
from handlers.service.context import ServiceContext
from handlers.service.labels import place_line, role_label
from handlers.sessions.cancellation_rules import is_late_notice, repeated_refusals
from storage.models import (
    CancelReason,
    Child,
    OutboxMessage,
    OutboxStatus,
    Person,
    Session,
    SessionStatus,
    child_carers,
    session_children,
)

CANCELLED = "session.cancelled"
WITHDRAWN = "withdrawn: the session was cancelled"
_IN_FLIGHT = "sending"  # the dispatcher's mark on a row it may be sending right now


class NotScheduled(Exception):
    """The session has already been called off or has happened."""


@dataclass(frozen=True)
class CallOff:
    """Why a session is called off and by whom; `why` is how staff read the reason."""

    by: Person
    reason: CancelReason
    why: str
    note: str | None = None
    told_apart: tuple[int, ...] = ()  # carers told another way (who reported the illness)


@dataclass(frozen=True)
class SessionCalledOff:
    """What became of one session called off."""

    session: Session
    is_late_notice: bool
    told: tuple[int, ...]


async def call_off_session(
    uow: AsyncSession, booked: Session, call_off: CallOff, ctx: ServiceContext
) -> SessionCalledOff:
    """Cancel one scheduled session, withdraw its reminders and tell the staff who need to know.

    `booked` must have its children loaded.
    """
    if booked.status != SessionStatus.SCHEDULED.value:
        raise NotScheduled(booked.id)
    now = ctx.now()
    booked.status = SessionStatus.CANCELLED.value
    booked.cancelled_at = now
    booked.cancelled_by_id = call_off.by.id
    booked.cancel_reason = call_off.reason.value
    booked.cancel_note = call_off.note
    withdrawn = await _withdraw_reminders(uow, booked.id)
    is_late = is_late_notice(booked.starts_at, now, ctx.config.cancellation)
    refusals = await _repeated_refusals(uow, booked, call_off, ctx)
    notice = await _notice(uow, booked, call_off, ctx)
    told: dict[int, str] = {}
    worker = await uow.get(Person, booked.worker_id) if booked.worker_id else None
    if worker is not None and worker.is_active:
        told[worker.id] = notice
    flags = _refusal_lines(booked.children, refusals, ctx)
    late = _late_line(booked, now, ctx) if is_late else ""
    for coordinator in await active_coordinators(uow):
        told.setdefault(coordinator.id, "\n".join(x for x in (late, notice, *flags) if x))
    for child in booked.children:
        social_worker = await _social_worker(uow, child)
        if social_worker is not None and social_worker.id not in told:
            lines = _refusal_lines([child], refusals, ctx)
            told[social_worker.id] = "\n".join((notice, *lines))
    for carer_id, initials in (await _carers_of(uow, booked)).items():
        if carer_id in (call_off.by.id, *call_off.told_apart, *told):
            continue
        if await can_reach(uow, carer_id):
            told[carer_id] = await _carer_notice(uow, booked, initials, ctx)
    for person_id, text in told.items():
        await queue_delivery(
            uow,
            SendMessage(text, protect_content=True),
            now=now,
            person_id=person_id,
            dedupe_key=f"cancel:{booked.id}:person:{person_id}",
        )
    record_audit(
        uow,
        CANCELLED,
        at=now,
        actor_person_id=call_off.by.id,
        subject=audit_subject("session", booked.id),
        note=call_off.note,
        session_id=booked.id,
        reason=call_off.reason.value,
        late_notice=is_late,
        repeated_refusals=refusals,
        reminders_withdrawn=withdrawn,
        told=sorted(told),
    )
    return SessionCalledOff(booked, is_late, tuple(sorted(told)))


async def _withdraw_reminders(uow: AsyncSession, session_id: int) -> int:
    """Reminders for the session queued but not yet sent go no further; returns how many."""
    result = await uow.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.dedupe_key.like(f"reminder:{session_id}:%"),
            OutboxMessage.status == OutboxStatus.PENDING.value,
            or_(OutboxMessage.last_error.is_(None), OutboxMessage.last_error != _IN_FLIGHT),
        )
        .values(status=OutboxStatus.FAILED.value, last_error=WITHDRAWN)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def _repeated_refusals(
    uow: AsyncSession, booked: Session, call_off: CallOff, ctx: ServiceContext
) -> dict[str, int]:
    """For "doesn't want to go": each child's count in the period, for those it repeats for."""
    if call_off.reason is not CancelReason.REFUSED:
        return {}
    rules = ctx.config.cancellation
    now = ctx.now()
    since = now - timedelta(days=rules.refusal_period_days)
    counts: dict[str, int] = {}
    for child in booked.children:
        earlier = await uow.scalars(
            select(Session.cancelled_at)
            .join(session_children, session_children.c.session_id == Session.id)
            .where(
                session_children.c.child_id == child.id,
                Session.cancel_reason == CancelReason.REFUSED.value,
                Session.cancelled_at >= since,
                Session.id != booked.id,
            )
        )
        count = repeated_refusals([*(at for at in earlier if at), now], now, rules)
        if count is not None:
            counts[child.ref] = count
    return counts


def _refusal_lines(
    children: Sequence[Child], refusals: dict[str, int], ctx: ServiceContext
) -> list[str]:
    days = ctx.config.cancellation.refusal_period_days
    return [
        f"⚠️ Repeated refusal: {child.label} didn't want to go {refusals[child.ref]} times "
        f"in the last {days} days."
        for child in children
        if child.ref in refusals
    ]


def _late_line(booked: Session, now: datetime, ctx: ServiceContext) -> str:
    hours = (booked.starts_at - now).total_seconds() / 3600
    before = f"{hours:.0f} hours" if hours >= 1 else f"{max(hours * 60, 0):.0f} minutes"
    return f"⚠️ LATE NOTICE: called off {before} before the start."


async def _notice(
    uow: AsyncSession, booked: Session, call_off: CallOff, ctx: ServiceContext
) -> str:
    """What staff read: children by initials and reference, the place, who called it off, why."""
    children = ", ".join(child.label for child in booked.children) or "no children listed"
    place = await place_line(uow, booked.venue_code, booked.room)
    lines = [
        f"❌ Session {booked.ref} on {ctx.show_time(booked.starts_at)} ({place}) is cancelled.",
        f"Children: {children}",
        f"Called off by {call_off.by.first_name} ({role_label(call_off.by.role)}) at "
        f"{ctx.show_time(ctx.now())}: {call_off.why}.",
    ]
    if call_off.note:
        lines.append(f"In their words: {call_off.note}")
    return "\n".join(lines)


async def _carers_of(uow: AsyncSession, booked: Session) -> dict[int, str]:
    """Each carer of the session's children, with the initials of the ones they look after."""
    by_id = {child.id: child for child in booked.children}
    rows = await uow.execute(
        select(child_carers.c.person_id, child_carers.c.child_id)
        .where(child_carers.c.child_id.in_(by_id))
        .order_by(child_carers.c.person_id, child_carers.c.child_id)
    )
    carers: dict[int, list[str]] = {}
    for carer_id, child_id in rows:
        carers.setdefault(carer_id, []).append(by_id[child_id].initials)
    return {carer_id: ", ".join(initials) for carer_id, initials in carers.items()}


async def _carer_notice(
    uow: AsyncSession, booked: Session, initials: str, ctx: ServiceContext
) -> str:
    """What another carer of the session's children reads: their own children only, and no
    reason (it may be about someone else's child)."""
    place = await place_line(uow, booked.venue_code, booked.room)
    return (
        f"❌ The session for {initials} on {ctx.show_time(booked.starts_at)} at {place} is "
        "cancelled. Please don't come in for it; no reminders will come for it.\n"
        "If you have questions about it, please ask the children's social worker or the office "
        f"on {ctx.config.contacts.office_phone}."
    )


async def _social_worker(uow: AsyncSession, child: Child) -> Person | None:
    if child.social_worker_id is None:
        return None
    person = await uow.get(Person, child.social_worker_id)
    return person if person is not None and person.is_active else None
