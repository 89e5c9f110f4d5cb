"""The 15-minute rule: no parent marked by the deadline, the worker is asked Cancel or Wait.

The question is worked out on every tick and queued once through the outbox's dedupe key (so
once across restarts and instances). *Cancel* calls the session off for the parent's lateness
through the one cancelling use case and tells the carers at once, before they bring the
children in; *Wait* is put on the session's timeline with the worker's few words.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from handlers.delivery.chat import Button, Keyboard, SendMessage, button_number
from handlers.delivery.outbox import queue_delivery
from handlers.delivery.reachability import can_reach
from handlers.service.context import ServiceContext
from handlers.service.labels import place_line
from handlers.sessions.arrival_rules import is_parent_question_due
from handlers.sessions.cancellation_rules import REASON_WORDS
from handlers.sessions.cancelling import CallOff, call_off_session
from handlers.sessions.no_meet import carer_span
from handlers.sessions.session_marks import marks_of, record_event
from handlers.sessions.today import today_data
from storage.models import (
    CancelReason,
    Child,
    EventKind,
    OutboxMessage,
    Person,
    Priority,
    Session,
    SessionStatus,
)

PARENT_PREFIX = "pq:"  # pq:c:<session id> cancels, pq:w:<session id> waits
PARENT_WAIT_START = "parent_wait"  # the flow asking why the worker waits
WAIT_NOTE_MAX_LENGTH = 300


class ParentAnswer(enum.StrEnum):
    """What became of a tap on Cancel or Wait."""

    CANCELLED = "cancelled"
    WAIT = "wait"  # the flow asks why, then records it
    ALREADY_WAITING = "already_waiting"
    PARENT_HERE = "parent_here"  # marked as arrived meanwhile: nothing to decide
    NOT_SCHEDULED = "not_scheduled"  # cancelled already, or over
    NOT_WORKER = "not_worker"
    UNKNOWN = "unknown"  # forged or malformed


@dataclass(frozen=True)
class ParentAnswered:
    """The outcome, the session, the question as it now reads, and a time it stands at."""

    outcome: ParentAnswer
    booked: Session | None = None
    question: str = ""
    at: datetime | None = None


def parent_data(code: str, session_id: int) -> str:
    """Opaque button data for Cancel (c) or Wait (w) on one session's question."""
    return f"{PARENT_PREFIX}{code}:{session_id}"


def parse_parent(data: str) -> tuple[str, int] | None:
    """The choice and session id in the button's data, or None if not well formed."""
    code, _, number = data.removeprefix(PARENT_PREFIX).partition(":")
    if not data.startswith(PARENT_PREFIX) or code not in ("c", "w"):
        return None
    session_id = button_number(number)
    return (code, session_id) if session_id is not None else None


async def ask_about_missing_parents(uow: AsyncSession, ctx: ServiceContext, now: datetime) -> int:
    """Ask each worker whose session is past the parent's deadline with no parent marked; once."""
    rules = ctx.config.arrivals
    candidates = await uow.scalars(
        select(Session)
        .where(
            Session.status == SessionStatus.SCHEDULED.value,
            Session.worker_id.is_not(None),
            Session.starts_at <= now + timedelta(minutes=rules.parent_deadline_minutes),
            Session.ends_at > now,
        )
        .order_by(Session.starts_at, Session.id)
        .options(selectinload(Session.children))
    )
    queued = 0
    for booked in candidates:
        worker_id = booked.worker_id
        assert worker_id is not None
        key = f"parent-late:{booked.id}:{booked.starts_at:%Y%m%d%H%M}:person:{worker_id}"
        if await uow.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)):
            continue
        marks = await marks_of(uow, booked.id)
        if not is_parent_question_due(booked.starts_at, booked.ends_at, now, marks, rules):
            continue
        if not await can_reach(uow, worker_id):
            continue
        text = await question_text(uow, booked, ctx)
        row = await queue_delivery(
            uow,
            SendMessage(text, keyboard=_question_buttons(booked), protect_content=True),
            now=now,
            person_id=worker_id,
            priority=Priority.REPLY,
            dedupe_key=key,
        )
        queued += row is not None
    return queued


async def question_text(uow: AsyncSession, booked: Session, ctx: ServiceContext) -> str:
    """What the worker reads: the session, its place and children; no parent marked."""
    children = ", ".join(child.label for child in booked.children) or "no children listed"
    place = await place_line(uow, booked.venue_code, booked.room)
    minutes = ctx.config.arrivals.parent_deadline_minutes
    return (
        f"⏳ Parent not here: session {booked.ref} at {ctx.local(booked.starts_at):%H:%M} "
        f"({place}; {children}) has no parent's arrival marked, and parents must be here "
        f"{minutes} minutes before the start. Cancel the session, or wait?"
    )


def _question_buttons(booked: Session) -> Keyboard:
    return (
        (
            Button("❌ Cancel the session", parent_data("c", booked.id)),
            Button("⏳ Wait", parent_data("w", booked.id)),
        ),
        (Button("🙋 Parent arrived", today_data("pa", booked.id)),),
    )


async def answer_parent_question(
    uow: AsyncSession, *, worker: Person, data: str, ctx: ServiceContext
) -> ParentAnswered:
    """Cancel or Wait on the question: checked against the session as it is now."""
    parsed = parse_parent(data)
    booked = (
        await uow.scalar(
            select(Session)
            .where(Session.id == parsed[1])
            .options(selectinload(Session.children).selectinload(Child.carers))
        )
        if parsed is not None
        else None
    )
    if parsed is None or booked is None:
        return ParentAnswered(ParentAnswer.UNKNOWN)
    if booked.worker_id != worker.id:
        return ParentAnswered(ParentAnswer.NOT_WORKER, booked)
    if booked.status != SessionStatus.SCHEDULED.value:
        return ParentAnswered(ParentAnswer.NOT_SCHEDULED, booked)
    marks = await marks_of(uow, booked.id)
    question = await question_text(uow, booked, ctx)
    if EventKind.PARENT_ARRIVED.value in marks:
        at = marks[EventKind.PARENT_ARRIVED.value].at
        return ParentAnswered(ParentAnswer.PARENT_HERE, booked, question, at)
    if parsed[0] == "w":
        waited = marks.get(EventKind.WAITED_FOR_PARENT.value)
        if waited is not None:
            return ParentAnswered(ParentAnswer.ALREADY_WAITING, booked, question, waited.at)
        return ParentAnswered(ParentAnswer.WAIT, booked, question)
    why = REASON_WORDS[CancelReason.PARENT_LATE]
    # The carers get words of their own below ("don't bring the child in"), not the general one.
    carers = tuple(sorted({carer.id for child in booked.children for carer in child.carers}))
    call_off = CallOff(worker, CancelReason.PARENT_LATE, why, told_apart=carers)
    await call_off_session(uow, booked, call_off, ctx)
    await _tell_carers(uow, booked, ctx)
    return ParentAnswered(ParentAnswer.CANCELLED, booked, question, ctx.now())


async def _tell_carers(uow: AsyncSession, booked: Session, ctx: ServiceContext) -> None:
    """Each carer hears at once, about their own children only, before bringing them in."""
    now = ctx.now()
    place = await place_line(uow, booked.venue_code, booked.room)
    carers: dict[int, list[Child]] = {}
    people: dict[int, Person] = {}
    for child in booked.children:
        for carer in child.carers:
            if carer.is_active:
                carers.setdefault(carer.id, []).append(child)
                people[carer.id] = carer
    for carer_id, children in carers.items():
        names = ", ".join(child.initials for child in children)
        at = ctx.local(carer_span(booked)[0])  # the carer's own time when they must not meet
        text = (
            f"❌ Family time for {names} today at {at:%H:%M} ({place}) "
            "is cancelled: the parent didn't arrive in time. Please don't bring "
            f"{'them' if len(children) > 1 else 'the child'} in. Questions about it go to the "
            "social worker."
        )
        await queue_delivery(
            uow,
            SendMessage(text, protect_content=True),
            now=now,
            person_id=carer_id,
            priority=Priority.ALERT,
            dedupe_key=f"cancel:{booked.id}:carer:{carer_id}",
        )


async def record_wait(
    uow: AsyncSession, *, worker: Person, session_id: int, note: str | None, ctx: ServiceContext
) -> ParentAnswered:
    """The worker waits for the parent: on the session's timeline with their words, once."""
    booked = await uow.get(Session, session_id)
    if booked is None or booked.worker_id != worker.id:
        return ParentAnswered(ParentAnswer.NOT_WORKER, booked)
    if booked.status != SessionStatus.SCHEDULED.value:
        return ParentAnswered(ParentAnswer.NOT_SCHEDULED, booked)
    now = ctx.now()
    event = await record_event(uow, booked, EventKind.WAITED_FOR_PARENT, worker, note, now)
    if event is None:
        earlier = (await marks_of(uow, booked.id))[EventKind.WAITED_FOR_PARENT.value]
        return ParentAnswered(ParentAnswer.ALREADY_WAITING, booked, at=earlier.at)
    return ParentAnswered(ParentAnswer.WAIT, booked, at=now)
