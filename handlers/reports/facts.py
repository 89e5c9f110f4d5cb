"""What a session's report says, gathered from its timeline, notes, alerts and ending.

The report is generated from the record, never typed up: the session row, its marks
(`session_events`), the worker's notes (amendments as new notes), the alerts raised with it.
For a no-meet session nothing of the carer (who, or when they came and went) is included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from handlers.service.context import ServiceContext
from handlers.service.labels import person_label, place_line
from handlers.sessions.ending import EndKind, early_end_words
from handlers.sessions.session_marks import MARK_WORDS
from handlers.sessions.today import attendee_line
from storage.models import (
    WELFARE_ORIGIN,
    Alert,
    Child,
    EventKind,
    NoteKind,
    Person,
    Role,
    Session,
    SessionEvent,
    SessionNote,
)

NO_MEET_WITHHELD = "withheld: parent and carer must not meet"
# The carer's side of the timeline: when they brought the child and took them back.
CARER_MARKS = (EventKind.CHILD_ARRIVED, EventKind.CHILD_RETURNED)


@dataclass(frozen=True)
class ReportNote:
    """One note as written: its time, kind, words and (for reported) who said it."""

    written: str
    kind: NoteKind
    text: str
    source: str | None
    is_amended: bool


@dataclass(frozen=True)
class ReportAmendment:
    """An amendment, beside the note it amends (which stays as written)."""

    original_written: str
    kind: NoteKind
    original: str
    amended: str
    reason: str
    author: str
    written: str


@dataclass(frozen=True)
class ReportFacts:
    """Everything the report shows, in its order; children by initials only."""

    ref: str
    day: str
    planned: str
    actual: str
    place: str
    brought_by: str
    worker: str
    attendees: str
    children: str
    supervision: str
    timeline: tuple[tuple[str, str], ...]
    notes: tuple[ReportNote, ...]
    alerts: tuple[str, ...]
    ending: str
    amendments: tuple[ReportAmendment, ...]
    is_no_meet: bool


def _clock(at: datetime | None, ctx: ServiceContext) -> str:
    return f"{ctx.local(at):%H:%M}" if at is not None else "not marked"


async def gather_report(uow: AsyncSession, session: Session, ctx: ServiceContext) -> ReportFacts:
    """The report's facts for one session (its children and their carers loaded here)."""
    booked = await uow.scalar(
        select(Session)
        .where(Session.id == session.id)
        .options(selectinload(Session.children).selectinload(Child.carers))
        .execution_options(populate_existing=True)
    )
    assert booked is not None
    worker = await uow.get(Person, booked.worker_id) if booked.worker_id else None
    events = {
        e.kind: e
        for e in await uow.scalars(select(SessionEvent).where(SessionEvent.session_id == booked.id))
    }
    notes, amendments = await _notes(uow, booked, ctx)
    return ReportFacts(
        ref=booked.ref,
        day=f"{ctx.local(booked.starts_at):%A} {ctx.local(booked.starts_at).day} "
        f"{ctx.local(booked.starts_at):%B %Y}",
        planned=f"{_clock(booked.starts_at, ctx)}–{_clock(booked.ends_at, ctx)}",
        actual=_actual(booked, events, ctx),
        place=await place_line(uow, booked.venue_code, booked.room),
        brought_by=_brought_by(booked),
        worker=person_label(worker) if worker else "not recorded",
        attendees=attendee_line(booked),
        children=", ".join(c.label for c in booked.children) or "not recorded",
        supervision=booked.supervision_level or "not recorded",
        timeline=_timeline(booked, events, ctx),
        notes=notes,
        alerts=await _alerts(uow, booked, ctx),
        ending=_ending(booked, ctx),
        amendments=amendments,
        is_no_meet=booked.is_no_meet,
    )


def _timeline(
    booked: Session, events: dict[str, SessionEvent], ctx: ServiceContext
) -> tuple[tuple[str, str], ...]:
    """Each party's marks in the order of a session's life; the carer's withheld on a no-meet
    session; waiting for the parent only when it happened, with the worker's words."""
    lines = []
    for kind, words in MARK_WORDS.items():
        event = events.get(kind.value)
        if booked.is_no_meet and kind in CARER_MARKS:
            lines.append((words, NO_MEET_WITHHELD))
        elif kind is not EventKind.WAITED_FOR_PARENT:
            lines.append((words, _clock(event.at if event else None, ctx)))
        elif event is not None:
            said = f" ({event.note})" if event.note else ""
            lines.append((words, f"{_clock(event.at, ctx)}{said}"))
    return tuple(lines)


def _actual(booked: Session, events: dict[str, SessionEvent], ctx: ServiceContext) -> str:
    started = events.get(EventKind.STARTED.value)
    begun = _clock(started.at, ctx) if started else "start not marked"
    return f"{begun}–{_clock(booked.ended_at, ctx) if booked.ended_at else 'end not marked'}"


def _brought_by(booked: Session) -> str:
    """Who brought the children: their carers' first names, never on a no-meet session."""
    if booked.is_no_meet:
        return f"the child's carer ({NO_MEET_WITHHELD})"
    carers = {p.id: p for child in booked.children for p in child.carers}
    return ", ".join(f"{p.first_name} (carer)" for p in carers.values()) or "not recorded"


# An end marked "on time" further than this from the booked end says the booked end beside it.
ON_TIME_LEEWAY = timedelta(minutes=10)


def _ending(booked: Session, ctx: ServiceContext) -> str:
    if booked.ended_at is None:
        return "Not ended on the record."
    at = _clock(booked.ended_at, ctx)
    if booked.end_kind != EndKind.EARLY.value:
        if abs(booked.ended_at - booked.ends_at) > ON_TIME_LEEWAY:
            booked_end = _clock(booked.ends_at, ctx)
            return f"Ended on time at {at}, as the worker marked it (booked until {booked_end})."
        return f"Ended on time at {at}."
    return f"Ended early at {at}. Reason: {early_end_words(booked)}."


async def _notes(
    uow: AsyncSession, booked: Session, ctx: ServiceContext
) -> tuple[tuple[ReportNote, ...], tuple[ReportAmendment, ...]]:
    """The original notes in time order, and each amendment with the note it amends."""
    rows = list(
        await uow.scalars(
            select(SessionNote)
            .where(SessionNote.session_id == booked.id)
            .order_by(SessionNote.written_at, SessionNote.id)
        )
    )
    by_id = {n.id: n for n in rows}
    amended_ids = {n.amends_id for n in rows if n.amends_id is not None}
    notes = tuple(
        ReportNote(
            _clock(n.written_at, ctx), NoteKind(n.kind), n.text, n.source, n.id in amended_ids
        )
        for n in rows
        if n.amends_id is None
    )
    author_ids = {n.author_id for n in rows}
    authors = {p.id: p for p in await uow.scalars(select(Person).where(Person.id.in_(author_ids)))}
    amendments = []
    for n in rows:
        original = by_id.get(n.amends_id) if n.amends_id is not None else None
        if original is None:
            continue
        author = authors.get(n.author_id)
        amendments.append(
            ReportAmendment(
                original_written=_clock(original.written_at, ctx),
                kind=NoteKind(original.kind),
                original=original.text,
                amended=n.text,
                reason=n.amend_reason or "no reason given",
                author=person_label(author) if author else "unknown",
                written=_clock(n.written_at, ctx),
            )
        )
    return notes, tuple(amendments)


async def _alerts(uow: AsyncSession, booked: Session, ctx: ServiceContext) -> tuple[str, ...]:
    """Each alert raised with the session: when, how serious, what was said, its outcome."""
    lines = []
    for alert in await uow.scalars(
        select(Alert).where(Alert.session_id == booked.id).order_by(Alert.raised_at)
    ):
        said = await _alert_words(uow, alert, booked)
        if alert.outcome:
            outcome = f"resolved at {_clock(alert.resolved_at, ctx)}: {alert.outcome}"
            if alert.resolution_note:
                outcome += f" ({alert.resolution_note})"
        else:
            outcome = f"not resolved yet ({alert.status})"
        lines.append(
            f"{alert.ref} at {_clock(alert.raised_at, ctx)}, {alert.severity}{said}. "
            f"Outcome: {outcome}."
        )
    return tuple(lines)


async def _alert_words(uow: AsyncSession, alert: Alert, booked: Session) -> str:
    """What the report says was raised: the worker's words; for a missed welfare check, a fact
    (the bot's own note names the worker's phone, which a report shared with a parent must
    not); for a carer's concern on a no-meet session, nothing of the carer's words."""
    if alert.origin == WELFARE_ORIGIN:
        return ": no answer to a welfare check (raised by the bot)"
    raiser = await uow.get(Person, alert.raised_by_id)
    if booked.is_no_meet and raiser is not None and raiser.role == Role.CARER.value:
        return f": a concern from the child's carer ({NO_MEET_WITHHELD})"
    return f": {alert.note}" if alert.note else ""
