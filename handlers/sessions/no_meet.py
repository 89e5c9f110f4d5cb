"""Parties who must not meet: the carer hears their own times, never the session's start, and
is told they can come in once the worker marks the parent as gone.

Only the carer's own messages carry the carer's times; nothing written for a parent to see
(the parent is not a user of the bot) may hold them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.delivery.chat import SendMessage
from handlers.delivery.outbox import queue_delivery
from handlers.delivery.reachability import can_reach
from handlers.service.audit import audit_subject, record_audit
from handlers.service.context import ServiceContext
from handlers.service.labels import place_line
from storage.models import Child, Person, Priority, Session, child_carers, session_children


def has_carer_times(booked: Session) -> bool:
    """Whether the carer keeps their own times for this session (parent and carer must not meet)."""
    return booked.is_no_meet and booked.carer_arrives_at is not None


def carer_span(booked: Session) -> tuple[datetime, datetime]:
    """When the carer comes and goes: their own times if they must not meet the parent, else the
    session's start and end."""
    if has_carer_times(booked):
        assert booked.carer_arrives_at is not None
        return booked.carer_arrives_at, booked.carer_leaves_at or booked.ends_at
    return booked.starts_at, booked.ends_at


def carer_times_line(booked: Session, ctx: ServiceContext) -> str:
    """The carer's own times in words: arrive not before, collect at."""
    arrives, leaves = carer_span(booked)
    return (
        f"please arrive at {ctx.local(arrives):%H:%M}, not before, and collect at "
        f"{ctx.local(leaves):%H:%M} (you and the parent must not meet)"
    )


def carer_when(booked: Session, ctx: ServiceContext) -> str:
    """The day and time a carer is given for a session: their own arrival when they must not
    meet the parent, said as such; otherwise the start."""
    if has_carer_times(booked):
        return f"{ctx.show_time(carer_span(booked)[0])} (your arrival time)"
    return ctx.show_time(booked.starts_at)


async def tell_carers_to_come_in(
    uow: AsyncSession, booked: Session, worker: Person, ctx: ServiceContext
) -> int:
    """The parent has left a no-meet session: every active carer of its children is told they
    can come in now, once each (the outbox key holds across a second mark or a retry)."""
    now = ctx.now()
    rows = await uow.execute(
        select(Person, Child)
        .join(child_carers, child_carers.c.person_id == Person.id)
        .join(Child, Child.id == child_carers.c.child_id)
        .join(session_children, session_children.c.child_id == Child.id)
        .where(session_children.c.session_id == booked.id, Person.is_active.is_(True))
        .order_by(Person.id, Child.id)
    )
    carers: dict[int, tuple[Person, list[str]]] = {}
    for carer, child in rows:
        carers.setdefault(carer.id, (carer, []))[1].append(child.initials)
    place = await place_line(uow, booked.venue_code, booked.room)
    told = 0
    for carer_id, (_carer, initials) in carers.items():
        if not await can_reach(uow, carer_id):
            continue
        row = await queue_delivery(
            uow,
            SendMessage(
                f"🚪 The parent has left: you can come in now to collect {', '.join(initials)} "
                f"({place}).",
                protect_content=True,
            ),
            now=now,
            person_id=carer_id,
            priority=Priority.ALERT,
            dedupe_key=f"come-in:{booked.id}:carer:{carer_id}",
        )
        told += row is not None
    record_audit(
        uow,
        "session.carers_told_to_come_in",
        at=now,
        actor_person_id=worker.id,
        subject=audit_subject("session", booked.id),
        told=sorted(carers),
    )
    return told
