"""The worker's factual notes during a session: kept as written, amended only by a new note."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from handlers.service.audit import audit_subject, record_audit
from handlers.service.context import ServiceContext
from handlers.sessions.note_rules import sessions_now
from storage.models import NoteKind, Person, Session, SessionNote, SessionStatus

NOTE_START = "note"  # the command, and the code of "Another note"
AMEND_START = "amendnote"  # the code of "Amend this note" (its argument: the note's id)
SESSION_NOTE_MAX_LENGTH = 1000
REASON_MAX_LENGTH = 200
SOURCE_MAX_LENGTH = 120


class NotYourSessionNow(Exception):
    """The session isn't this worker's, was cancelled, or isn't running, near or just ended."""


class SessionEnded(Exception):
    """The worker ended the session: new notes are refused (an amendment is still taken)."""


@dataclass(frozen=True)
class NoteWritten:
    """A note as kept: its id, its session and the local time it was written."""

    note_id: int
    session_id: int
    kind: NoteKind
    written: str  # HH:MM, the service's local time


async def worker_sessions_now(
    uow: AsyncSession, worker_id: int, ctx: ServiceContext
) -> list[Session]:
    """The worker's sessions running now, starting soon or just ended (configured), children
    loaded; the running one first."""
    now = ctx.now()
    before = timedelta(minutes=ctx.config.notes.before_minutes)
    after = timedelta(minutes=ctx.config.notes.after_minutes)
    found = await uow.scalars(
        select(Session)
        .where(
            Session.worker_id == worker_id,
            Session.status != SessionStatus.CANCELLED.value,
            Session.starts_at <= now + before,
            Session.ends_at > now - after - timedelta(days=1),  # an overrun still counts
        )
        .options(selectinload(Session.children))
    )
    return sessions_now(found, now, before=before, after=after)


async def _session_now(
    uow: AsyncSession, worker: Person, session_id: int, ctx: ServiceContext
) -> Session:
    chosen = next(
        (s for s in await worker_sessions_now(uow, worker.id, ctx) if s.id == session_id), None
    )
    if chosen is None:
        raise NotYourSessionNow(session_id)
    return chosen


async def add_note(
    uow: AsyncSession,
    *,
    worker: Person,
    session_id: int,
    kind: NoteKind,
    text: str,
    source: str | None,
    ctx: ServiceContext,
) -> NoteWritten:
    """Keep one note on the worker's session now; refused once the session is ended."""
    session = await _session_now(uow, worker, session_id, ctx)
    if session.ended_at is not None:
        raise SessionEnded(session_id)
    return await _keep(uow, worker, session, kind, text, source, None, None, ctx)


async def note_to_amend(
    uow: AsyncSession, worker: Person, note_id: int, ctx: ServiceContext
) -> SessionNote | None:
    """A note on one of the worker's sessions now (ended or not), or None."""
    note = await uow.get(SessionNote, note_id)
    if note is None:
        return None
    try:
        await _session_now(uow, worker, note.session_id, ctx)
    except NotYourSessionNow:
        return None
    return note


async def amend_note(
    uow: AsyncSession,
    *,
    worker: Person,
    note_id: int,
    text: str,
    reason: str,
    ctx: ServiceContext,
) -> NoteWritten:
    """A new note naming the one it amends, with its reason; the original stays as it was."""
    original = await note_to_amend(uow, worker, note_id, ctx)
    if original is None:
        raise NotYourSessionNow(note_id)
    session = await _session_now(uow, worker, original.session_id, ctx)
    kind = NoteKind(original.kind)
    return await _keep(uow, worker, session, kind, text, original.source, original, reason, ctx)


async def _keep(
    uow: AsyncSession,
    worker: Person,
    session: Session,
    kind: NoteKind,
    text: str,
    source: str | None,
    amends: SessionNote | None,
    reason: str | None,
    ctx: ServiceContext,
) -> NoteWritten:
    now = ctx.now()
    note = SessionNote(
        session_id=session.id,
        author_id=worker.id,
        kind=kind.value,
        text=text[:SESSION_NOTE_MAX_LENGTH],
        source=source[:SOURCE_MAX_LENGTH] if source else None,
        written_at=now,
        amends_id=amends.id if amends else None,
        amend_reason=reason[:REASON_MAX_LENGTH] if reason else None,
    )
    uow.add(note)
    await uow.flush()
    record_audit(
        uow,
        "session.note_amended" if amends else "session.note_added",
        at=now,
        actor_person_id=worker.id,
        subject=audit_subject("session", session.id),
        session_id=session.id,
        note_id=note.id,
        kind=kind.value,
        amends_id=note.amends_id,
    )
    return NoteWritten(note.id, session.id, kind, f"{ctx.local(now):%H:%M}")
