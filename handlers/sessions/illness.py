"""A carer reports that a child is ill; the session's worker and the coordinator hear of it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.delivery.chat import SendMessage
from handlers.delivery.coordinators import tell_coordinators
from handlers.delivery.outbox import queue_delivery
from handlers.service.audit import audit_subject, record_audit
from handlers.service.context import ServiceContext
from handlers.service.labels import place_line
from handlers.sessions.illness_plan import (
    ask_deciders,
    call_off_for_illness,
    plan_line,
    sessions_it_may_affect,
)
from handlers.sessions.no_meet import carer_when
from storage.models import (
    Child,
    Contagious,
    IllnessReport,
    Person,
    Session,
    child_carers,
)
from storage.session_queries import upcoming_sessions_of_child

CONTAGIOUS_WORDS = {  # the carer's answer to "could it be catching?"
    Contagious.YES: "Yes",
    Contagious.NO: "No",
    Contagious.NOT_SURE: "Not sure",
}
_CONTAGIOUS_PHRASES = {
    Contagious.YES: "catching",
    Contagious.NO: "not catching",
    Contagious.NOT_SURE: "may be catching",
}


def contagious_phrase(contagious: str) -> str:
    """The carer's answer as running text says it: 'catching', 'may be catching'."""
    return _CONTAGIOUS_PHRASES[Contagious(contagious)]


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
    days = ctx.config.illness.lookahead_days
    within = timedelta(days=days) if days is not None else None
    found = await upcoming_sessions_of_child(uow, child_id, now=ctx.now(), within=within, limit=1)
    return found[0] if found else None


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
    affected_session_ids: Sequence[int] = (),
) -> IllnessReported:
    """Store the report, act on the sessions it affects, tell staff, answer the carer.

    Catching: the affected sessions are called off. Not sure: the seniors decide. Not catching:
    they go ahead. Their workers (or, with none picked, the next session's) and the
    coordinators get the report.
    """
    children = {c.id: c for c in await children_of_carer(uow, carer.id)}
    child = children.get(child_id)
    if child is None:
        raise NotYourChild(child_id)
    now = ctx.now()
    wanted = set(affected_session_ids)
    affected = [s for s in await sessions_it_may_affect(uow, child.id, ctx) if s.id in wanted]
    upcoming = affected[0] if affected else await next_session_of_child(uow, child.id, ctx)
    report = IllnessReport(
        child_id=child.id,
        reported_by_id=carer.id,
        next_session_id=upcoming.id if upcoming else None,
        contagious=contagious.value,
        description=description,
        reported_at=now,
        affected_session_ids=[s.id for s in affected],
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
        affected_session_ids=[s.id for s in affected],
    )
    notice = await _staff_notice(uow, child, contagious, description, upcoming, carer, ctx)
    notice = "\n".join(x for x in (notice, plan_line(contagious, affected, ctx)) if x)
    is_calling_off = contagious is Contagious.YES and bool(affected)
    asked: list[Person] = []
    if contagious is Contagious.NOT_SURE and affected:
        asked = await ask_deciders(uow, report, notice, affected, ctx)
    key = f"illness:{report.id}"
    told = {p.id for p in asked}
    # The workers of sessions called off read it in the cancellation notice that follows.
    going_ahead = [] if is_calling_off else affected or ([upcoming] if upcoming else [])
    for worker in await _workers_to_tell(uow, going_ahead):
        if worker.id in told:
            continue
        told.add(worker.id)
        await queue_delivery(
            uow,
            SendMessage(notice, protect_content=True),
            now=now,
            person_id=worker.id,
            dedupe_key=f"{key}:person:{worker.id}",
        )
    await tell_coordinators(uow, notice, key=key, now=now, leaving_out=told)
    called_off: list[Session] = []
    if is_calling_off:
        why = f"{child.label} is ill and could pass it on ({description})"
        called_off = await call_off_for_illness(
            uow, affected, child, carer, why, ctx, reported_by_id=carer.id
        )
    reply = _carer_reply(child, contagious, upcoming, ctx, affected, called_off)
    return IllnessReported(report, reply)


async def _workers_to_tell(uow: AsyncSession, sessions: Sequence[Session]) -> list[Person]:
    """The sessions' workers still active, once each (the coordinators hear anyway)."""
    workers: dict[int, Person] = {}
    for booked in sessions:
        worker = await uow.get(Person, booked.worker_id) if booked.worker_id else None
        if worker is not None and worker.is_active:
            workers.setdefault(worker.id, worker)
    return list(workers.values())


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
        place = await place_line(uow, upcoming.venue_code, upcoming.room)
        lines.append(f"Next session: {upcoming.ref}, {ctx.show_time(upcoming.starts_at)}, {place}")
    else:
        lines.append("No upcoming session is booked for this child.")
    return "\n".join(lines)


def _carer_reply(
    child: Child,
    contagious: Contagious,
    upcoming: Session | None,
    ctx: ServiceContext,
    affected: Sequence[Session] = (),
    called_off: Sequence[Session] = (),
) -> str:
    """What happens next, in words a busy carer can take in at a glance."""
    lines = [f"Thank you. I've passed this on about {child.initials} to the Family Time team."]
    # "; " between sessions, as each time already has a comma in it ("Tue 24 Nov, 10:00")
    when = "; ".join(carer_when(s, ctx) for s in affected)
    sessions_go = "the session goes" if len(affected) == 1 else "the sessions go"
    if called_off:
        off = "; ".join(carer_when(s, ctx) for s in called_off)
        one = len(called_off) == 1
        lines.append(
            f"As it could be catching, {'this session is' if one else 'these sessions are'} "
            f"off: {off}. Please don't bring {child.initials} to the centre while they could "
            f"pass it on; no reminders will come for {'it' if one else 'them'}."
        )
    elif affected and contagious is Contagious.NOT_SURE:
        lines.append(
            f"A senior will decide whether {sessions_go} ahead ({when}) and I'll tell you "
            "as soon as they have."
        )
    elif affected:
        lines.append(f"{sessions_go.capitalize()} ahead ({when}); the worker knows.")
    elif upcoming is not None:
        lines.append(
            f"Their next session is {carer_when(upcoming, ctx)}; "
            "the team will contact you about it."
        )
    if contagious is Contagious.NOT_SURE or (contagious is Contagious.YES and not called_off):
        lines.append(
            "If it could be catching, please don't bring them to the centre until the team "
            "has spoken to you."
        )
    return "\n".join(lines)  # out of hours, the flow's end adds when the office will see it
