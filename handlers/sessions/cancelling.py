"""Calling off a session, written once: a carer's "can't make it", illness, a parent not there
in time (the 15-minute rule), the service (`familytime sessions cancel`).

The session is marked cancelled with who, why and when; its reminders still queued are
withdrawn (and no new ones are worked out for a cancelled session); the worker (unless they
called it off), the coordinators and each child's social worker are told, children by initials
and reference; a child's repeated refusals, and a parent's repeated no-shows, are flagged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.delivery.chat import SendMessage
from handlers.delivery.coordinators import active_coordinators
from handlers.delivery.outbox import queue_delivery, withdraw_waiting
from handlers.delivery.reachability import can_reach
from handlers.service.audit import audit_subject, record_audit
from handlers.service.context import ServiceContext
from handlers.service.labels import place_line, role_label
from handlers.sessions.arrival_rules import repeated_no_shows
from handlers.sessions.cancellation_rules import is_late_notice, repeated_refusals
from handlers.sessions.no_meet import carer_when
from handlers.sessions.reminder_schedule import reminder_key_prefix
from storage.models import (
    CancelReason,
    Child,
    Person,
    Session,
    SessionStatus,
    child_carers,
    session_children,
)

CANCELLED = "session.cancelled"


class NotScheduled(Exception):
    """The session has already been called off or has happened."""


@dataclass(frozen=True)
class CallOff:
    """Why a session is called off and by whom (None: the service itself); `why` is how staff
    read the reason, `carer_reason` the fixed words a carer may read of it (none: no reason)."""

    by: Person | None
    reason: CancelReason
    why: str
    note: str | None = None
    told_apart: tuple[int, ...] = ()  # carers told another way (who reported the illness)
    carer_reason: str | None = None

    @property
    def by_id(self) -> int | None:
        return self.by.id if self.by is not None else None


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
    booked.cancelled_by_id = call_off.by_id
    booked.cancel_reason = call_off.reason.value
    booked.cancel_note = call_off.note
    withdrawn = await withdraw_waiting(uow, reminder_key_prefix(booked.id), now=now)
    # Notice is the carer's to give (not the service's); a parent not there in time is a
    # no-show, flagged apart.
    is_late = (
        call_off.by is not None
        and call_off.reason is not CancelReason.PARENT_LATE
        and is_late_notice(booked.starts_at, now, ctx.config.cancellation)
    )
    refusals: dict[str, int] = {}
    if call_off.reason is CancelReason.REFUSED:
        rules = ctx.config.cancellation
        refusals = await _repeats(
            uow,
            booked,
            CancelReason.REFUSED,
            rules.refusal_period_days,
            lambda times: repeated_refusals(times, now, rules),
            ctx,
        )
    notice = await _notice(uow, booked, call_off, ctx)
    told: dict[int, str] = {}
    worker = await uow.get(Person, booked.worker_id) if booked.worker_id else None
    if worker is not None and worker.is_active and worker.id != call_off.by_id:
        told[worker.id] = notice  # a worker who called it off needs no notice of it
    no_shows: dict[str, int] = {}
    if call_off.reason is CancelReason.PARENT_LATE:
        arrivals = ctx.config.arrivals
        no_shows = await _repeats(
            uow,
            booked,
            CancelReason.PARENT_LATE,
            arrivals.no_show_period_days,
            lambda times: repeated_no_shows(times, now, arrivals),
            ctx,
        )
    flags = _refusal_lines(booked.children, refusals, ctx)
    flags += _no_show_lines(booked.children, no_shows, ctx)
    late = _late_line(booked, now, ctx) if is_late else ""
    for coordinator in await active_coordinators(uow):
        told.setdefault(coordinator.id, "\n".join(x for x in (late, notice, *flags) if x))
    for child in booked.children:
        social_worker = await _social_worker(uow, child)
        if social_worker is not None and social_worker.id not in told:
            lines = _refusal_lines([child], refusals, ctx)
            lines += _no_show_lines([child], no_shows, ctx)
            told[social_worker.id] = "\n".join((notice, *lines))
    for carer_id, initials in (await _carers_of(uow, booked)).items():
        if carer_id in (call_off.by_id, *call_off.told_apart, *told):
            continue
        if await can_reach(uow, carer_id):
            told[carer_id] = await _carer_notice(uow, booked, initials, call_off, ctx)
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
        actor_person_id=call_off.by_id,
        subject=audit_subject("session", booked.id),
        note=call_off.note,
        session_id=booked.id,
        reason=call_off.reason.value,
        late_notice=is_late,
        repeated_refusals=refusals,
        repeated_no_shows=no_shows,
        reminders_withdrawn=withdrawn,
        told=sorted(told),
    )
    return SessionCalledOff(booked, is_late, tuple(sorted(told)))


async def _repeats(
    uow: AsyncSession,
    booked: Session,
    reason: CancelReason,
    period_days: int,
    count: Callable[[list[datetime]], int | None],
    ctx: ServiceContext,
) -> dict[str, int]:
    """Each child's cancellations for `reason` in the period (this one included), for those
    `count` says repeat: "doesn't want to go", or a parent's no-shows."""
    now = ctx.now()
    since = now - timedelta(days=period_days)
    counts: dict[str, int] = {}
    for child in booked.children:
        earlier = await _earlier_cancellations(uow, booked, child, reason, since)
        repeated = count([*earlier, now])
        if repeated is not None:
            counts[child.ref] = repeated
    return counts


async def _earlier_cancellations(
    uow: AsyncSession, booked: Session, child: Child, reason: CancelReason, since: datetime
) -> list[datetime]:
    """When the child's other sessions were called off for this reason since `since`."""
    earlier = await uow.scalars(
        select(Session.cancelled_at)
        .join(session_children, session_children.c.session_id == Session.id)
        .where(
            session_children.c.child_id == child.id,
            Session.cancel_reason == reason.value,
            Session.cancelled_at >= since,
            Session.id != booked.id,
        )
    )
    return [at for at in earlier if at]


def _no_show_lines(
    children: Sequence[Child], no_shows: dict[str, int], ctx: ServiceContext
) -> list[str]:
    days = ctx.config.arrivals.no_show_period_days
    return [
        f"⚠️ Repeated no-show: the parent didn't arrive in time for {child.label}'s session "
        f"{no_shows[child.ref]} times in the last {days} days."
        for child in children
        if child.ref in no_shows
    ]


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
    by = call_off.by
    who = f"{by.first_name} ({role_label(by.role)})" if by is not None else "the service"
    lines = [
        f"❌ Session {booked.ref} on {ctx.show_time(booked.starts_at)} ({place}) is cancelled.",
        f"Children: {children}",
        f"Called off by {who} at {ctx.show_time(ctx.now())}: {call_off.why}.",
    ]
    if call_off.note:
        said = "In their words" if by is not None else "The office's note"
        lines.append(f"{said}: {call_off.note}")
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
    uow: AsyncSession, booked: Session, initials: str, call_off: CallOff, ctx: ServiceContext
) -> str:
    """What a carer of the session's children reads: their own children only, and no reason
    but the service's fixed words (another's may be about someone else's child)."""
    place = await place_line(uow, booked.venue_code, booked.room)
    cancelled = "cancelled by the service" if call_off.by is None else "cancelled"
    lines = [
        f"❌ The session for {initials} on {carer_when(booked, ctx)} at {place} is "
        f"{cancelled}. Please don't come in for it; no reminders will come for it."
    ]
    if call_off.carer_reason:
        lines.append(f"Reason: {call_off.carer_reason}.")
    lines.append(
        "If you have questions about it, please ask the children's social worker or the office "
        f"on {ctx.config.contacts.office_phone}."
    )
    return "\n".join(lines)


async def _social_worker(uow: AsyncSession, child: Child) -> Person | None:
    if child.social_worker_id is None:
        return None
    person = await uow.get(Person, child.social_worker_id)
    return person if person is not None and person.is_active else None
