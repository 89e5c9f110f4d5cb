"""The questions asked about sessions, written once: whose, when, with which children.

They sit here, below handlers/, because both the alert side and the carers' side ask them and
the two never import each other. Each takes its span of time from the caller, who reads it from
the service config; none decides a rule.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from storage.people import Child, child_carers
from storage.sessions import Session, SessionStatus, session_children


async def upcoming_sessions_of_carer(
    uow: AsyncSession, carer_id: int, *, now: datetime, within: timedelta
) -> list[Session]:
    """The carer's children's scheduled sessions not yet ended, starting within `within`."""
    result = await uow.scalars(
        select(Session)
        .join(session_children, session_children.c.session_id == Session.id)
        .join(child_carers, child_carers.c.child_id == session_children.c.child_id)
        .where(
            child_carers.c.person_id == carer_id,
            Session.status == SessionStatus.SCHEDULED.value,
            Session.ends_at > now,
            Session.starts_at <= now + within,
        )
        .order_by(Session.starts_at)
        .options(selectinload(Session.children))
        .distinct()
    )
    return list(result)


async def sessions_of_carer_ahead(
    uow: AsyncSession, carer_id: int, *, now: datetime, within: timedelta
) -> list[Session]:
    """The carer's children's sessions not yet ended, starting within `within`, whatever their
    status (a cancelled one too: the carer should see it is off)."""
    result = await uow.scalars(
        select(Session)
        .join(session_children, session_children.c.session_id == Session.id)
        .join(child_carers, child_carers.c.child_id == session_children.c.child_id)
        .where(
            child_carers.c.person_id == carer_id,
            Session.ends_at > now,
            Session.starts_at <= now + within,
        )
        .order_by(Session.starts_at, Session.id)
        .options(selectinload(Session.children))
        .distinct()
    )
    return list(result)


async def upcoming_sessions_of_child(
    uow: AsyncSession,
    child_id: int,
    *,
    now: datetime,
    within: timedelta | None = None,
    limit: int | None = None,
) -> list[Session]:
    """The child's scheduled sessions not yet ended, soonest first (starting within `within`)."""
    query = (
        select(Session)
        .join(session_children, session_children.c.session_id == Session.id)
        .where(
            session_children.c.child_id == child_id,
            Session.status == SessionStatus.SCHEDULED.value,
            Session.ends_at > now,
        )
        .order_by(Session.starts_at)
        .options(selectinload(Session.children))
    )
    if within is not None:
        query = query.where(Session.starts_at <= now + within)
    if limit is not None:
        query = query.limit(limit)
    return list(await uow.scalars(query))


async def sessions_of_worker_between(
    uow: AsyncSession, worker_id: int, *, starts: datetime, ends: datetime
) -> list[Session]:
    """The worker's sessions (not cancelled) overlapping a span, e.g. their local day."""
    result = await uow.scalars(
        select(Session)
        .where(
            Session.worker_id == worker_id,
            Session.status != SessionStatus.CANCELLED.value,
            Session.starts_at < ends,
            Session.ends_at > starts,
        )
        .order_by(Session.starts_at)
    )
    return list(result)


async def sessions_starting_between(
    uow: AsyncSession, status: SessionStatus, *, after: datetime, until: datetime
) -> list[Session]:
    """Sessions in a status starting after `after` and by `until`, children and carers loaded."""
    result = await uow.scalars(
        select(Session)
        .where(
            Session.status == status.value,
            Session.starts_at > after,
            Session.starts_at <= until,
        )
        .options(selectinload(Session.children).selectinload(Child.carers))
        .order_by(Session.starts_at)
    )
    return list(result)


async def session_with_children(uow: AsyncSession, session_id: int) -> Session | None:
    """One session with its children loaded (its place comes from handlers' place line)."""
    return await uow.scalar(
        select(Session).where(Session.id == session_id).options(selectinload(Session.children))
    )
