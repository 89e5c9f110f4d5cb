"""The worker ends a session: on time, or early with a reason; kept on the session."""

from __future__ import annotations

import enum

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.service.audit import audit_subject, record_audit
from handlers.service.context import ServiceContext
from handlers.sessions.notes import NotYourSessionNow, SessionEnded, worker_sessions_now
from storage.models import Person, Session

END_START = "endsession"  # the command, and the code of "End session" (argument: the session)
END_NOTE_MAX_LENGTH = 200


class EndKind(enum.StrEnum):
    """How a session ended (stored; never renamed)."""

    ON_TIME = "on_time"
    EARLY = "early"


class EndReason(enum.StrEnum):
    """Why a session was ended early (stored; never renamed)."""

    CHILD_DISTRESSED = "distressed"
    AGREEMENT_BROKEN = "agreement"  # the parent broke the agreement
    RISK_OF_HARM = "risk"
    OTHER = "other"


END_REASONS = {
    EndReason.CHILD_DISTRESSED: "Child distressed",
    EndReason.AGREEMENT_BROKEN: "Parent broke the agreement",
    EndReason.RISK_OF_HARM: "Risk of harm",
    EndReason.OTHER: "Other",
}


def early_end_words(booked: Session) -> str:
    """Why a session was ended early, as staff read it: the worker's own words for *Other*."""
    reason = EndReason(booked.end_reason) if booked.end_reason else EndReason.OTHER
    return booked.end_note if reason is EndReason.OTHER and booked.end_note else END_REASONS[reason]


async def sessions_to_end(uow: AsyncSession, worker_id: int, ctx: ServiceContext) -> list[Session]:
    """The worker's sessions now that haven't been ended yet."""
    return [s for s in await worker_sessions_now(uow, worker_id, ctx) if s.ended_at is None]


async def end_session(
    uow: AsyncSession,
    *,
    worker: Person,
    session_id: int,
    kind: EndKind,
    reason: EndReason | None,
    note: str | None,
    ctx: ServiceContext,
) -> Session:
    """Mark the session ended now: how, and for an early end, why (and a few words for other)."""
    now_sessions = await worker_sessions_now(uow, worker.id, ctx)
    found = next((s for s in now_sessions if s.id == session_id), None)
    if found is None:
        raise NotYourSessionNow(session_id)
    if found.ended_at is not None:
        raise SessionEnded(session_id)
    now = ctx.now()
    found.ended_at = now
    found.ended_by_id = worker.id
    found.end_kind = kind.value
    found.end_reason = reason.value if kind is EndKind.EARLY and reason else None
    found.end_note = note[:END_NOTE_MAX_LENGTH] if note and reason is EndReason.OTHER else None
    record_audit(
        uow,
        "session.ended",
        at=now,
        actor_person_id=worker.id,
        subject=audit_subject("session", found.id),
        note=found.end_note,
        session_id=found.id,
        how=found.end_kind,
        reason=found.end_reason,
    )
    return found
