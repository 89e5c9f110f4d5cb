"""What an illness means for the sessions it affects, by the carer's answer to "is it catching?".

Yes: the sessions are called off (the leaflet: a contagious child must not be brought in). Not
sure: the seniors decide, with Keep and Cancel. No: they go ahead, and their workers know.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.delivery.chat import Button, SendMessage, button_number
from handlers.delivery.coordinators import active_coordinators
from handlers.delivery.outbox import queue_delivery
from handlers.service.context import ServiceContext
from handlers.sessions.cancelling import CallOff, call_off_session
from storage.models import (
    CancelReason,
    Child,
    Contagious,
    IllnessDecision,
    IllnessReport,
    Person,
    Role,
    Session,
    SessionStatus,
)
from storage.session_queries import upcoming_sessions_of_child

DECIDE_PREFIX = "ill:"  # Keep / Cancel on a "not sure" report: ill:<report id>:<k|c>
_CODES = {IllnessDecision.KEEP: "k", IllnessDecision.CANCEL: "c"}
_DECIDERS = (Role.SENIOR.value, Role.MANAGER.value)


def decide_data(report_id: int, decision: IllnessDecision) -> str:
    """Opaque button data for one decision on one report."""
    return f"{DECIDE_PREFIX}{report_id}:{_CODES[decision]}"


def parse_decide(data: str) -> tuple[int, IllnessDecision] | None:
    """The report id and the decision from button data, or None if it is not well formed."""
    number, _, code = data.removeprefix(DECIDE_PREFIX).partition(":")
    report_id = button_number(number) if data.startswith(DECIDE_PREFIX) else None
    decision = next((d for d, c in _CODES.items() if c == code), None)
    return (report_id, decision) if report_id is not None and decision is not None else None


def decide_key(report_id: int, person_id: int) -> str:
    """The outbox key of the decision message one person was sent (it proves they were)."""
    return f"illness:{report_id}:decide:person:{person_id}"


async def sessions_it_may_affect(
    uow: AsyncSession, child_id: int, ctx: ServiceContext
) -> list[Session]:
    """The child's scheduled sessions not yet started, within the configured days ahead."""
    now = ctx.now()
    within = timedelta(days=ctx.config.illness.affects_days)
    found = await upcoming_sessions_of_child(uow, child_id, now=now, within=within)
    return [s for s in found if s.starts_at > now]


def sessions_in_words(sessions: Sequence[Session], ctx: ServiceContext) -> str:
    """'S1 (Tue 24 Nov, 10:00), R1 (Thu 26 Nov, 10:00)'."""
    return ", ".join(f"{s.ref} ({ctx.show_time(s.starts_at)})" for s in sessions)


def plan_line(contagious: Contagious, sessions: Sequence[Session], ctx: ServiceContext) -> str:
    """What staff read about the sessions the illness affects."""
    if not sessions:
        return ""
    listed = sessions_in_words(sessions, ctx)
    return {
        Contagious.YES: f"Cancelled, as a contagious child must not be brought in: {listed}",
        Contagious.NOT_SURE: f"A senior is deciding whether these go ahead: {listed}",
        Contagious.NO: f"Not catching, so these go ahead: {listed}",
    }[contagious]


async def call_off_for_illness(
    uow: AsyncSession,
    sessions: Sequence[Session],
    child: Child,
    by: Person,
    why: str,
    ctx: ServiceContext,
    *,
    reported_by_id: int,
) -> list[Session]:
    """Call off each session still scheduled; returns those called off. The carer who
    reported the illness is told apart; the session's other carers hear here."""
    called_off = []
    call_off = CallOff(by, CancelReason.ILLNESS, why, told_apart=(reported_by_id,))
    for booked in sessions:
        if booked.status == SessionStatus.SCHEDULED.value:
            await call_off_session(uow, booked, call_off, ctx)
            called_off.append(booked)
    return called_off


async def deciders_for(uow: AsyncSession, sessions: Sequence[Session]) -> list[Person]:
    """The active seniors and managers of the sessions' venues and those over every venue;
    the coordinators when there are none."""
    venues = {s.venue_code for s in sessions}
    found = list(
        await uow.scalars(
            select(Person)
            .where(
                Person.role.in_(_DECIDERS),
                Person.is_active.is_(True),
                or_(Person.venue_code.is_(None), Person.venue_code.in_(venues)),
            )
            .order_by(Person.id)
        )
    )
    return found or await active_coordinators(uow)


async def ask_deciders(
    uow: AsyncSession,
    report: IllnessReport,
    notice: str,
    sessions: Sequence[Session],
    ctx: ServiceContext,
) -> list[Person]:
    """Send the report with Keep and Cancel to each decider; returns who was asked."""
    deciders = await deciders_for(uow, sessions)
    text = f"{notice}\nShould {'they' if len(sessions) > 1 else 'it'} go ahead?"
    keyboard = (
        (
            Button("✅ Keep", decide_data(report.id, IllnessDecision.KEEP)),
            Button("❌ Cancel", decide_data(report.id, IllnessDecision.CANCEL)),
        ),
    )
    for person in deciders:
        await queue_delivery(
            uow,
            SendMessage(text, keyboard=keyboard, protect_content=True),
            now=ctx.now(),
            person_id=person.id,
            dedupe_key=decide_key(report.id, person.id),
        )
    return deciders
