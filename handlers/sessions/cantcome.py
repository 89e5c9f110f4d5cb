"""A carer can't make a session: they pick it and say why; it is called off for everyone."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.service.context import ServiceContext
from handlers.sessions.cancellation_rules import REASON_WORDS
from handlers.sessions.cancelling import CallOff, NotScheduled, call_off_session
from handlers.sessions.no_meet import carer_when
from storage.models import CancelReason, Person, Session
from storage.session_queries import upcoming_sessions_of_carer

CANTCOME_START = "cantcome"  # the command, and the code of the reminder's start button
NOTE_MAX_LENGTH = 200  # "other": a few words
# The reasons a carer picks from, in the order offered.
CARER_REASONS = (
    CancelReason.UNWELL,
    CancelReason.TRANSPORT,
    CancelReason.APPOINTMENT,
    CancelReason.REFUSED,
    CancelReason.OTHER,
)


class NotCallable(Exception):
    """The session isn't one of this carer's still to come (ended, cancelled, not theirs)."""


async def sessions_to_call_off(
    uow: AsyncSession, carer_id: int, ctx: ServiceContext
) -> list[Session]:
    """The carer's children's scheduled sessions not yet started, within the lookahead."""
    now = ctx.now()
    within = timedelta(days=ctx.config.cancellation.lookahead_days)
    upcoming = await upcoming_sessions_of_carer(uow, carer_id, now=now, within=within)
    return [s for s in upcoming if s.starts_at > now]


async def cancel_for_carer(
    uow: AsyncSession,
    *,
    carer: Person,
    session_id: int,
    reason: CancelReason,
    note: str | None,
    ctx: ServiceContext,
) -> str:
    """Call off one of the carer's sessions; returns what the carer reads."""
    booked = next(
        (s for s in await sessions_to_call_off(uow, carer.id, ctx) if s.id == session_id), None
    )
    if booked is None or reason not in CARER_REASONS:
        raise NotCallable(session_id)
    why = REASON_WORDS[reason]
    try:
        await call_off_session(uow, booked, CallOff(carer, reason, why, note), ctx)
    except NotScheduled as exc:
        raise NotCallable(session_id) from exc
    return (
        f"Thank you. The session on {carer_when(booked, ctx)} is cancelled; I've told "
        "the worker, the Family Time team and the social worker. You won't get reminders for it."
    )
