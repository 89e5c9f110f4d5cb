"""A senior decides a "not sure" illness report: the first Keep or Cancel wins.

Every other copy of the report is edited to say who decided; the carer hears the outcome, and
on Cancel the sessions are called off like any other (worker, coordinators, social worker).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from handlers.delivery.chat import SendMessage
from handlers.delivery.outbox import decided_text, mark_copies_decided, queue_delivery
from handlers.service.audit import audit_subject, record_audit
from handlers.service.context import ServiceContext
from handlers.sessions.illness_plan import (
    call_off_for_illness,
    decide_key,
    parse_decide,
)
from storage.models import (
    Child,
    IllnessDecision,
    IllnessReport,
    OutboxMessage,
    Person,
    Session,
    SessionStatus,
)

DECIDED = "illness.decided"


class Decision(enum.StrEnum):
    """What became of a tap on Keep or Cancel."""

    DONE = "done"
    ALREADY = "already"  # someone decided first
    UNKNOWN = "unknown"  # forged, or a report this person was never asked about


@dataclass(frozen=True)
class IllnessDecided:
    """The outcome of a tap: the report as it now reads (for the tapped copy), or, when
    someone decided first, their name."""

    outcome: Decision
    text: str = ""


def _decided_line(who: Person, decision: IllnessDecision) -> str:
    verdict = "they go ahead" if decision is IllnessDecision.KEEP else "they are cancelled"
    return f"✔ {who.first_name} decided: {verdict}."


async def decide_illness(
    uow: AsyncSession, *, person: Person, data: str, ctx: ServiceContext
) -> IllnessDecided:
    """Keep or Cancel the sessions a "not sure" report affects, if nobody has decided yet."""
    parsed = parse_decide(data)
    report = await uow.get(IllnessReport, parsed[0]) if parsed is not None else None
    own_copy = None
    if report is not None:
        own_copy = await uow.scalar(
            select(OutboxMessage).where(
                OutboxMessage.dedupe_key == decide_key(report.id, person.id)
            )
        )
    if parsed is None or report is None or own_copy is None:
        return IllnessDecided(Decision.UNKNOWN)
    decision = parsed[1]
    now = ctx.now()
    claimed = await uow.execute(  # the first press wins, across instances
        update(IllnessReport)
        .where(IllnessReport.id == report.id, IllnessReport.decision.is_(None))
        .values(decision=decision.value, decided_by_id=person.id, decided_at=now)
        .execution_options(synchronize_session=False)
    )
    if not getattr(claimed, "rowcount", 0):
        await uow.refresh(report)
        first = await uow.get(Person, report.decided_by_id) if report.decided_by_id else None
        return IllnessDecided(Decision.ALREADY, first.first_name if first else "Someone")
    record_audit(
        uow,
        DECIDED,
        at=now,
        actor_person_id=person.id,
        subject=audit_subject("illness", report.id),
        decision=decision.value,
        session_ids=list(report.affected_session_ids or []),
    )
    # Only sessions still to come: one called off or started meanwhile is not "going ahead".
    sessions = [
        s
        for s in await uow.scalars(
            select(Session)
            .where(Session.id.in_(report.affected_session_ids or []))
            .order_by(Session.starts_at)
            .options(selectinload(Session.children))
        )
        if s.status == SessionStatus.SCHEDULED.value and s.starts_at > now
    ]
    child = await uow.get(Child, report.child_id)
    label = child.label if child is not None else "the child"
    if decision is IllnessDecision.CANCEL and child is not None:
        why = f"{label} is ill and may be catching; {person.first_name} decided not to go ahead"
        sessions = await call_off_for_illness(
            uow, sessions, child, person, why, ctx, reported_by_id=report.reported_by_id
        )
    line = _decided_line(person, decision)
    await _edit_other_copies(uow, report.id, own_copy.id, line, now)
    if decision is IllnessDecision.KEEP:
        await _tell_workers_it_goes_ahead(uow, report.id, sessions, label, person, ctx)
    await _tell_carer(uow, report, child, sessions, decision, ctx)
    return IllnessDecided(Decision.DONE, decided_text(own_copy, line))


async def _edit_other_copies(
    uow: AsyncSession, report_id: int, own_id: int, line: str, now: datetime
) -> None:
    """Every other decider's copy loses its buttons and says who decided."""
    copies = await uow.scalars(
        select(OutboxMessage).where(
            OutboxMessage.dedupe_key.like(f"illness:{report_id}:decide:person:%"),
            OutboxMessage.id != own_id,
        )
    )
    await mark_copies_decided(uow, copies, line, now=now)


async def _tell_workers_it_goes_ahead(
    uow: AsyncSession,
    report_id: int,
    sessions: list[Session],
    label: str,
    senior: Person,
    ctx: ServiceContext,
) -> None:
    for booked in sessions:
        if booked.worker_id is None:
            continue
        await queue_delivery(
            uow,
            SendMessage(
                f"✅ {senior.first_name} decided session {booked.ref} on "
                f"{ctx.show_time(booked.starts_at)} goes ahead despite {label}'s illness.",
                protect_content=True,
            ),
            now=ctx.now(),
            person_id=booked.worker_id,
            dedupe_key=f"illness:{report_id}:kept:session:{booked.id}",
        )


async def _tell_carer(
    uow: AsyncSession,
    report: IllnessReport,
    child: Child | None,
    sessions: list[Session],
    decision: IllnessDecision,
    ctx: ServiceContext,
) -> None:
    initials = child.initials if child is not None else "the child"
    when = "; ".join(ctx.show_time(s.starts_at) for s in sessions)  # each time has a comma
    one = len(sessions) == 1
    if not sessions:
        text = (
            f"About {initials}'s illness: the team has looked at it. The sessions it affected "
            "have already started or been called off, so nothing else changes."
        )
    elif decision is IllnessDecision.KEEP:
        text = (
            f"About {initials}'s illness: the team has decided "
            f"{'the session goes' if one else 'the sessions go'} ahead ({when}). "
            "If they get worse, send /illness again."
        )
    else:
        text = (
            f"About {initials}'s illness: the team has decided to cancel "
            f"{'the session' if one else 'these sessions'}: {when}. Please keep {initials} at "
            f"home; no reminders will come for {'it' if one else 'them'}."
        )
    await queue_delivery(
        uow,
        SendMessage(text),
        now=ctx.now(),
        person_id=report.reported_by_id,
        dedupe_key=f"illness:{report.id}:decided:carer",
    )
