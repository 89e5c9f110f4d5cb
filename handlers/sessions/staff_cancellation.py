"""The service calls a session off (`familytime sessions cancel`): everyone concerned is told."""

from __future__ import annotations

import enum
import unicodedata
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from handlers.service.config import ServiceConfig
from handlers.sessions.service_changes import SessionFacts, tell_session_changed
from storage.models import Session, SessionStatus

MAX_REASON_CHARS = 300


class StaffCancelled(enum.StrEnum):
    """What became of a cancellation by the service."""

    DONE = "done"
    UNKNOWN = "unknown"  # no session with that reference
    ALREADY = "already"  # cancelled before
    OVER = "over"  # it has ended: there is nothing to call off
    BAD_REASON = "bad_reason"  # blank, too long, or not plain text


async def cancel_session_by_service(
    uow: AsyncSession, config: ServiceConfig, *, ref: str, reason: str, now: datetime
) -> StaffCancelled:
    """Cancel one session by its reference; its carers and worker hear at once, with the reason,
    and its reminders still waiting are withdrawn."""
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON_CHARS or _has_control(reason):
        return StaffCancelled.BAD_REASON
    booked = await uow.scalar(
        select(Session).where(Session.ref == ref).options(selectinload(Session.children))
    )
    if booked is None:
        return StaffCancelled.UNKNOWN
    if booked.status == SessionStatus.CANCELLED:
        return StaffCancelled.ALREADY
    if booked.ends_at <= now or booked.status == SessionStatus.COMPLETED:
        return StaffCancelled.OVER
    before = SessionFacts.of(booked)
    booked.status = SessionStatus.CANCELLED.value
    await tell_session_changed(uow, config, booked, before, now=now, reason=reason)
    return StaffCancelled.DONE


def _has_control(text: str) -> bool:
    return any(unicodedata.category(c) == "Cc" for c in text)
