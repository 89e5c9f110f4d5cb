"""The worker's marks on a session's timeline: one tap each, kept with its time, never changed."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.service.context import ServiceContext
from handlers.sessions.no_meet import tell_carers_to_come_in
from storage.models import EventKind, Person, Session, SessionEvent, SessionStatus

# What each mark reads as, in the order of a session's life.
MARK_WORDS = {
    EventKind.PARENT_ARRIVED: "Parent arrived",
    EventKind.CHILD_ARRIVED: "Child arrived (with the carer)",
    EventKind.STARTED: "Session started",
    EventKind.PARENT_LEFT: "Parent left",
    EventKind.CHILD_RETURNED: "Child handed back",
    EventKind.WAITED_FOR_PARENT: "Waited for the parent",
}
# A departure is marked only after its arrival: a mistaken "Parent left" would tell a carer
# who must not meet the parent to come in while the parent may still be on the way.
NEEDS_FIRST = {
    EventKind.PARENT_LEFT: EventKind.PARENT_ARRIVED,
    EventKind.CHILD_RETURNED: EventKind.CHILD_ARRIVED,
}


class Mark(enum.StrEnum):
    """What became of a tap on a mark."""

    DONE = "done"
    ALREADY = "already"  # marked before: the time it was marked is kept
    NOT_WORKER = "not_worker"  # only the session's worker marks it
    CANCELLED = "cancelled"
    TOO_SOON = "too_soon"  # its arrival isn't marked yet (see NEEDS_FIRST)


@dataclass(frozen=True)
class Marked:
    """The outcome of a mark, with the time it stands at."""

    outcome: Mark
    booked: Session
    at: datetime | None = None
    carers_told: bool = False  # a no-meet session's parent left: the carers may come in


async def marks_of(uow: AsyncSession, session_id: int) -> dict[str, SessionEvent]:
    """The session's marks so far, by kind."""
    rows = await uow.scalars(
        select(SessionEvent).where(SessionEvent.session_id == session_id).order_by(SessionEvent.at)
    )
    return {row.kind: row for row in rows}


async def mark_session(
    uow: AsyncSession, *, worker: Person, booked: Session, kind: EventKind, ctx: ServiceContext
) -> Marked:
    """Put one mark on the session's timeline, unless it is there already."""
    if booked.worker_id != worker.id:
        return Marked(Mark.NOT_WORKER, booked)
    if booked.status == SessionStatus.CANCELLED.value:
        return Marked(Mark.CANCELLED, booked)
    marks = await marks_of(uow, booked.id)
    earlier = marks.get(kind.value)
    if earlier is not None:
        return Marked(Mark.ALREADY, booked, earlier.at)
    needed = NEEDS_FIRST.get(kind)
    if needed is not None and needed.value not in marks:
        return Marked(Mark.TOO_SOON, booked)
    now = ctx.now()
    uow.add(SessionEvent(session_id=booked.id, kind=kind.value, at=now, by_person_id=worker.id))
    await uow.flush()
    if kind is EventKind.PARENT_LEFT and booked.is_no_meet:
        await tell_carers_to_come_in(uow, booked, worker, ctx)
        return Marked(Mark.DONE, booked, now, carers_told=True)
    return Marked(Mark.DONE, booked, now)


async def record_event(
    uow: AsyncSession, booked: Session, kind: EventKind, by: Person, note: str | None, at: datetime
) -> SessionEvent | None:
    """Add a mark (with words) unless the session has one of that kind; returns the new one."""
    if kind.value in await marks_of(uow, booked.id):
        return None
    event = SessionEvent(
        session_id=booked.id, kind=kind.value, at=at, by_person_id=by.id, note=note
    )
    uow.add(event)
    await uow.flush()
    return event
