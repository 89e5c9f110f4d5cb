"""A carer running late for today's session: the worker hears at once and says they know."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from handlers.delivery.chat import Button, SendMessage, button_number
from handlers.delivery.coordinators import active_coordinators
from handlers.delivery.outbox import queue_delivery
from handlers.delivery.reachability import can_reach
from handlers.service.audit import audit_subject, record_audit
from handlers.service.context import ServiceContext
from handlers.sessions.no_meet import carer_span
from storage.models import AuditEvent, Person, Priority, Session
from storage.session_queries import upcoming_sessions_of_carer

LATE_START = "late"  # the command, and the code of the reminder's start button
NOTED_PREFIX = "n:"  # the Noted button on a late notice: n:<the report's audit event id>
LATE_MINUTES = (10, 20, 30)  # 30 stands for "30 or more"
REPORTED, NOTED = "session.late_reported", "session.late_noted"


class NotRunningToday(Exception):
    """The session has ended, was cancelled, isn't today, or isn't for this carer's children."""


class Noted(enum.StrEnum):
    """What became of a tap on Noted."""

    DONE = "done"
    ALREADY = "already"  # someone told already said they know
    UNKNOWN = "unknown"  # forged, or a notice this person was never sent


@dataclass(frozen=True)
class LateReported:
    """What the carer reads, and whether the session's worker (not the office) was told."""

    reply: str
    is_worker_told: bool


@dataclass(frozen=True)
class LateNoted:
    """The outcome of a tap on Noted, and the notice as it now reads."""

    outcome: Noted
    notice: str = ""


def how_late(minutes: int) -> str:
    """The lateness in words: "20 minutes", "30+ minutes"."""
    return f"{minutes}+ minutes" if minutes >= LATE_MINUTES[-1] else f"{minutes} minutes"


def noted_data(event_id: int) -> str:
    """Opaque button data for Noted on one late notice."""
    return f"{NOTED_PREFIX}{event_id}"


def parse_noted(data: str) -> int | None:
    """The report's event id from Noted button data, or None if it is not well formed."""
    return button_number(data.removeprefix(NOTED_PREFIX)) if data.startswith(NOTED_PREFIX) else None


async def sessions_today(uow: AsyncSession, carer_id: int, ctx: ServiceContext) -> list[Session]:
    """The carer's children's sessions today that haven't ended or been cancelled."""
    now = ctx.now()
    today = ctx.local(now).date()
    midnight = datetime.combine(today, time(0), tzinfo=ctx.zone)
    next_midnight = datetime.combine(today + timedelta(days=1), time(0), tzinfo=ctx.zone)
    upcoming = await upcoming_sessions_of_carer(uow, carer_id, now=now, within=next_midnight - now)
    return [s for s in upcoming if midnight <= s.starts_at < next_midnight]


async def report_late(
    uow: AsyncSession, *, carer: Person, session_id: int, minutes: int, ctx: ServiceContext
) -> LateReported:
    """Tell the session's worker (or, without one, the coordinators); returns the carer's reply."""
    booked = next((s for s in await sessions_today(uow, carer.id, ctx) if s.id == session_id), None)
    if booked is None or minutes not in LATE_MINUTES:
        raise NotRunningToday(session_id)
    now = ctx.now()
    # Late against the carer's own arrival time when they must not meet the parent.
    expected = max(carer_span(booked)[0] + timedelta(minutes=minutes), now)
    worker = await uow.get(Person, booked.worker_id) if booked.worker_id else None
    if worker is not None and worker.is_active and await can_reach(uow, worker.id):
        told, who = [worker], worker.first_name
    else:
        told, who = await active_coordinators(uow), "the Family Time team"
    event = record_audit(
        uow,
        REPORTED,
        at=now,
        actor_person_id=carer.id,
        subject=audit_subject("session", booked.id),
        session_id=booked.id,
        minutes=minutes,
        expected=expected.isoformat(),
        told=[person.id for person in told],
    )
    await uow.flush()  # the event's id goes on the Noted button
    notice = late_notice(carer, booked, minutes, expected, ctx)
    keyboard = ((Button("👍 Noted", noted_data(event.id)),),)
    for person in told:
        await queue_delivery(
            uow,
            SendMessage(notice, keyboard=keyboard, protect_content=True),
            now=now,
            person_id=person.id,
            priority=Priority.REPLY,
            dedupe_key=f"late:{event.id}:person:{person.id}",
        )
    if not told:
        return LateReported(
            "I couldn't reach anyone at the service just now; please phone the office on "
            f"{ctx.config.contacts.office_phone} to say you're running late.",
            is_worker_told=False,
        )
    return LateReported(
        f"Thank you, I've told {who} you'll be about {how_late(minutes)} late "
        f"(arriving about {ctx.local(expected):%H:%M}). I'll tell you when they've seen it.",
        is_worker_told=told == [worker],
    )


def late_notice(
    carer: Person, booked: Session, minutes: int, expected: datetime, ctx: ServiceContext
) -> str:
    """What the worker reads: children by initials and reference only, times in local time."""
    children = ", ".join(child.label for child in booked.children) or "the children"
    return (
        f"⏰ {carer.first_name} (carer) is running about {how_late(minutes)} late for session "
        f"{booked.ref} at {ctx.local(booked.starts_at):%H:%M} ({children}): expected about "
        f"{ctx.local(expected):%H:%M}."
    )


async def note_lateness(
    uow: AsyncSession, *, person: Person, data: str, ctx: ServiceContext
) -> LateNoted:
    """Someone told taps Noted: the carer hears they know, once."""
    event_id = parse_noted(data)
    event = await uow.get(AuditEvent, event_id) if event_id is not None else None
    if event is None or event.action != REPORTED or person.id not in event.details["told"]:
        return LateNoted(Noted.UNKNOWN)
    subject = f"late:{event.id}"
    if await uow.scalar(
        select(AuditEvent.id).where(AuditEvent.action == NOTED, AuditEvent.subject == subject)
    ):
        return LateNoted(Noted.ALREADY)
    now = ctx.now()
    minutes = int(event.details["minutes"])
    record_audit(
        uow,
        NOTED,
        at=now,
        actor_person_id=person.id,
        subject=subject,
        session_id=event.details["session_id"],
    )
    carer = await uow.get(Person, event.actor_person_id) if event.actor_person_id else None
    booked = await uow.get(
        Session, event.details["session_id"], options=(selectinload(Session.children),)
    )
    if carer is None or booked is None:
        return LateNoted(Noted.DONE)
    await queue_delivery(
        uow,
        SendMessage(f"{person.first_name} knows you'll be about {how_late(minutes)} late."),
        now=now,
        person_id=carer.id,
        priority=Priority.REPLY,
        dedupe_key=f"late:{event.id}:noted",
    )
    expected = datetime.fromisoformat(event.details["expected"])
    return LateNoted(Noted.DONE, late_notice(carer, booked, minutes, expected, ctx))
