"""A carer reports that a child is ill; the session's worker and the coordinator hear of it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from handlers.delivery.chat import SendMessage
from handlers.delivery.outbox import queue_delivery
from handlers.delivery.reachability import active_coordinators
from handlers.service.audit import audit_subject, record_audit
from handlers.service.context import ServiceContext
from handlers.service.hours import is_open, next_opening
from storage.models import (
    Child,
    Contagious,
    IllnessReport,
    Person,
    Session,
    SessionStatus,
    Venue,
    child_carers,
)
from storage.sessions import session_children

CONTAGIOUS_WORDS = {
    Contagious.YES: "Yes",
    Contagious.NO: "No",
    Contagious.NOT_SURE: "Not sure",
}


class NotYourChild(Exception):
    """The carer asked about a child they are not linked to."""


async def children_of_carer(uow: AsyncSession, carer_id: int) -> list[Child]:
    """The children a carer looks after, in a stable order."""
    result = await uow.scalars(
        select(Child)
        .join(child_carers, child_carers.c.child_id == Child.id)
        .where(child_carers.c.person_id == carer_id)
        .order_by(Child.ref)
    )
    return list(result)


async def next_session_of_child(
    uow: AsyncSession, child_id: int, ctx: ServiceContext
) -> Session | None:
    """The child's next session that has not ended and is not cancelled."""
    return await uow.scalar(
        select(Session)
        .join(session_children, session_children.c.session_id == Session.id)
        .where(
            session_children.c.child_id == child_id,
            Session.status == SessionStatus.SCHEDULED.value,
            Session.ends_at > ctx.now(),
        )
        .order_by(Session.starts_at)
        .limit(1)
        .options(selectinload(Session.children))
    )


@dataclass(frozen=True)
class IllnessReported:
    """What the carer is told once the report is in."""

    report: IllnessReport
    reply: str


async def report_illness(
    uow: AsyncSession,
    *,
    carer: Person,
    child_id: int,
    contagious: Contagious,
    description: str,
    ctx: ServiceContext,
) -> IllnessReported:
    """Store the report, tell the next session's worker and the coordinators, answer the carer."""
    children = {c.id: c for c in await children_of_carer(uow, carer.id)}
    child = children.get(child_id)
    if child is None:
        raise NotYourChild(child_id)
    now = ctx.now()
    upcoming = await next_session_of_child(uow, child.id, ctx)
    report = IllnessReport(
        child_id=child.id,
        reported_by_id=carer.id,
        next_session_id=upcoming.id if upcoming else None,
        contagious=contagious.value,
        description=description,
        reported_at=now,
    )
    uow.add(report)
    await uow.flush()
    record_audit(
        uow,
        "illness.reported",
        at=now,
        actor_person_id=carer.id,
        subject=audit_subject("illness", report.id),
        child_id=child.id,
        session_id=upcoming.id if upcoming else None,
        contagious=contagious.value,
    )
    recipients = await _people_to_tell(uow, upcoming)
    notice = await _staff_notice(uow, child, contagious, description, upcoming, carer, ctx)
    for person_id in recipients:
        await queue_delivery(
            uow,
            SendMessage(notice, protect_content=True),
            now=now,
            person_id=person_id,
            dedupe_key=f"illness:{report.id}:person:{person_id}",
        )
    return IllnessReported(report, _carer_reply(child, contagious, upcoming, ctx))


async def _people_to_tell(uow: AsyncSession, upcoming: Session | None) -> list[int]:
    """The next session's worker, then every active coordinator, each once."""
    ids: list[int] = []
    if upcoming is not None and upcoming.worker_id is not None:
        worker = await uow.get(Person, upcoming.worker_id)
        if worker is not None and worker.is_active:
            ids.append(worker.id)
    ids += [c.id for c in await active_coordinators(uow) if c.id not in ids]
    return ids


async def _staff_notice(
    uow: AsyncSession,
    child: Child,
    contagious: Contagious,
    description: str,
    upcoming: Session | None,
    carer: Person,
    ctx: ServiceContext,
) -> str:
    """The message staff get: the child by initials and reference only."""
    lines = [
        f"🤒 Illness reported for {child.label}",
        f"Contagious: {CONTAGIOUS_WORDS[contagious]}",
        f"What's wrong: {description}",
        f"Reported by carer {carer.first_name} at {ctx.show_time(ctx.now())}",
    ]
    if upcoming is not None:
        venue = await uow.get(Venue, upcoming.venue_code)
        place = venue.name if venue else upcoming.venue_code
        room = f", {upcoming.room}" if upcoming.room else ""
        lines.append(
            f"Next session: {upcoming.ref}, {ctx.show_time(upcoming.starts_at)}, {place}{room}"
        )
    else:
        lines.append("No upcoming session is booked for this child.")
    return "\n".join(lines)


def _carer_reply(
    child: Child, contagious: Contagious, upcoming: Session | None, ctx: ServiceContext
) -> str:
    """What happens next, in words a busy carer can take in at a glance."""
    lines = [f"Thank you. I've passed this on about {child.initials} to the Family Time team."]
    if upcoming is not None:
        lines.append(
            f"Their next session is {ctx.show_time(upcoming.starts_at)}; "
            "the team will contact you about it."
        )
    if contagious != Contagious.NO:
        lines.append(
            "If it could be catching, please don't bring them to the centre until the team "
            "has spoken to you."
        )
    now = ctx.now()
    if not is_open(ctx.config, now):
        opens = ctx.show_time(next_opening(ctx.config, now))
        lines.append(
            f"The office is closed now and opens {opens}. In an emergency call the Emergency "
            f"Social Work Team on {ctx.config.contacts.out_of_hours_phone}."
        )
    return "\n".join(lines)
