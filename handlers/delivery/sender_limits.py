"""How much the bot listens to one account: a flood costs a little CPU and nothing else.

Every update passes `admit_update` before it is routed. Each account may send a burst, then
about one update a second (a person tapping through a form never gets near it); beyond that
its updates are settled unread, and it is told once to slow down. A person who is not linked
gets the public information once, then silence for a while: a stranger's flood can't fill the
outbox, and so can't hold up anyone's messages.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.service.audit import record_audit
from handlers.service.limits import DEFAULT_LIMIT, SenderLimit
from storage.models import SenderPacing

SLOW_DOWN = (
    "You're sending messages faster than I can read them, so I skipped some. "
    "Please wait a minute, then send the last one again."
)


class Admission(enum.Enum):
    """What to do with one update."""

    HANDLE = "handle"
    SLOW_DOWN = "slow_down"  # skip it, and tell the sender once
    SKIP = "skip"  # skip it silently: they have been told


async def admit_update(
    uow: AsyncSession,
    telegram_user_id: int,
    now: datetime,
    limit: SenderLimit = DEFAULT_LIMIT,
) -> Admission:
    """Whether this account's update is handled, and take its share of the account's limit.

    Updates of one account are handled one at a time (the inbox's claim), so its row is never
    written by two transactions at once.
    """
    row = await _pacing_row(uow, telegram_user_id, now)
    if row.allowed_at - limit.tolerance <= now:
        row.allowed_at = max(row.allowed_at, now) + limit.interval
        return Admission.HANDLE
    if row.quiet_until is not None and row.quiet_until > now:
        return Admission.SKIP
    row.quiet_until = now + limit.quiet
    row.is_noted = True
    record_audit(
        uow,
        "inbox.throttled",
        at=now,
        actor_telegram_id=telegram_user_id,
        quiet_seconds=int(limit.quiet.total_seconds()),
    )
    return Admission.SLOW_DOWN


class StrangerReply(enum.Enum):
    """Whether a person who isn't linked is answered."""

    ANSWER = "answer"
    SILENCED = "silenced"  # the first message left unanswered: put on the record
    SILENT = "silent"


async def answer_stranger(
    uow: AsyncSession,
    telegram_user_id: int,
    now: datetime,
    limit: SenderLimit = DEFAULT_LIMIT,
) -> StrangerReply:
    """A person who isn't linked gets the public information once a while, then silence."""
    row = await _pacing_row(uow, telegram_user_id, now)
    if row.quiet_until is None or row.quiet_until <= now:
        row.quiet_until = now + limit.stranger_quiet
        row.is_noted = False
        return StrangerReply.ANSWER
    if row.is_noted:
        return StrangerReply.SILENT
    row.is_noted = True
    record_audit(
        uow,
        "stranger.silenced",
        at=now,
        actor_telegram_id=telegram_user_id,
        until=row.quiet_until.isoformat(),
    )
    return StrangerReply.SILENCED


async def load_senders(uow: AsyncSession, telegram_user_ids: set[int]) -> None:
    """Read a batch's accounts in one query, so each update's check needs none."""
    if telegram_user_ids:
        await uow.scalars(
            select(SenderPacing).where(SenderPacing.telegram_user_id.in_(telegram_user_ids))
        )


async def _pacing_row(uow: AsyncSession, telegram_user_id: int, now: datetime) -> SenderPacing:
    # Without flushing: the inbox handles a batch of updates in one transaction and flushes
    # once (a flush per update here cost it about 40 % of its throughput).
    with uow.no_autoflush:
        row = await uow.get(SenderPacing, telegram_user_id)
    if row is None:  # added earlier in this batch, not yet flushed?
        row = next(
            (
                added
                for added in uow.new
                if isinstance(added, SenderPacing) and added.telegram_user_id == telegram_user_id
            ),
            None,
        )
    if row is None:
        row = SenderPacing(telegram_user_id=telegram_user_id, allowed_at=now, is_noted=False)
        uow.add(row)
    return row


async def forget_quiet_senders(uow: AsyncSession, *, before: datetime, limit: int) -> int:
    """Delete up to `limit` accounts' pacing rows that have had nothing to remember since
    `before` (kept as long as the inbox rows they paced)."""
    doomed = (
        select(SenderPacing.telegram_user_id)
        .where(
            SenderPacing.allowed_at < before,
            or_(SenderPacing.quiet_until.is_(None), SenderPacing.quiet_until < before),
        )
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    result = await uow.execute(
        delete(SenderPacing).where(SenderPacing.telegram_user_id.in_(doomed)),
        execution_options={"synchronize_session": False},
    )
    return int(getattr(result, "rowcount", 0) or 0)
