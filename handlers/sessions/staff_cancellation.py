"""The service calls a session off (`familytime sessions cancel`): everyone concerned is told.

The reason is one of a fixed list, and a carer reads only its fixed words; the office's own note,
if any, goes to the audit timeline and the staff told (the worker, the coordinators, the
social workers), never to a carer.
"""

from __future__ import annotations

import enum
import unicodedata

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from handlers.service.context import ServiceContext
from handlers.sessions.cancellation_rules import REASON_WORDS, SERVICE_REASON_WORDS
from handlers.sessions.cancelling import CallOff, call_off_session
from storage.models import CancelReason, Session, SessionStatus

MAX_NOTE_CHARS = 300

# What the office types after `--reason`, and the reason it stands for (stored names apart).
SERVICE_REASONS = {
    "worker": CancelReason.WORKER_UNAVAILABLE,
    "venue": CancelReason.VENUE_UNAVAILABLE,
    "parent": CancelReason.PARENT_CANCELLED,
    "decision": CancelReason.DECISION,
    "other": CancelReason.OTHER,
}


class StaffCancelled(enum.StrEnum):
    """What became of a cancellation by the service."""

    DONE = "done"
    UNKNOWN = "unknown"  # no session with that reference
    ALREADY = "already"  # cancelled before
    OVER = "over"  # it has ended: there is nothing to call off
    BAD_REASON = "bad_reason"  # not one of the service's reasons
    BAD_NOTE = "bad_note"  # too long, or not plain text


async def cancel_session_by_service(
    uow: AsyncSession, ctx: ServiceContext, *, ref: str, reason: str, note: str | None = None
) -> StaffCancelled:
    """Cancel one session by its reference, as any cancellation is: its reminders withdrawn, its
    carers (the reason's fixed words), worker, coordinators and social workers told at once."""
    chosen = SERVICE_REASONS.get(reason.strip().lower())
    if chosen is None:
        return StaffCancelled.BAD_REASON
    note = (note or "").strip() or None
    if note is not None and (len(note) > MAX_NOTE_CHARS or _has_control(note)):
        return StaffCancelled.BAD_NOTE
    booked = await uow.scalar(
        select(Session).where(Session.ref == ref).options(selectinload(Session.children))
    )
    if booked is None:
        return StaffCancelled.UNKNOWN
    if booked.status == SessionStatus.CANCELLED:
        return StaffCancelled.ALREADY
    if booked.ends_at <= ctx.now() or booked.status != SessionStatus.SCHEDULED:
        return StaffCancelled.OVER
    call_off = CallOff(
        None,
        chosen,
        REASON_WORDS[chosen],
        note=note,
        carer_reason=SERVICE_REASON_WORDS[chosen],
    )
    await call_off_session(uow, booked, call_off, ctx)
    return StaffCancelled.DONE


def _has_control(text: str) -> bool:
    return any(unicodedata.category(c) == "Cc" for c in text)
