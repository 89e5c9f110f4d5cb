"""What the outbox holds: counts by status and priority, and the messages stuck longest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, and_, cast, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEvent, OutboxMessage, OutboxStatus, Priority

SENT = OutboxStatus.SENT.value


@dataclass(frozen=True)
class StuckMessage:
    """An unsent message, by id and dedupe key only (no content: it may name a child)."""

    id: int
    dedupe_key: str | None
    priority: str
    attempts: int
    age_seconds: float
    last_error: str | None


async def outbox_counts(uow: AsyncSession) -> dict[tuple[str, str], int]:
    """(status, priority name) → how many messages."""
    rows = await uow.execute(
        select(OutboxMessage.status, OutboxMessage.priority, func.count()).group_by(
            OutboxMessage.status, OutboxMessage.priority
        )
    )
    return {(status, Priority(priority).name.lower()): count for status, priority, count in rows}


async def oldest_unsent(
    uow: AsyncSession, now: datetime, limit: int = 10
) -> list[StuckMessage]:
    """The pending messages waiting longest."""
    rows = await uow.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING.value)
        .order_by(OutboxMessage.created_at)
        .limit(limit)
    )
    return [
        StuckMessage(
            id=row.id,
            dedupe_key=row.dedupe_key,
            priority=Priority(row.priority).name.lower(),
            attempts=row.attempts,
            age_seconds=(now - row.created_at).total_seconds(),
            last_error=row.last_error,
        )
        for row in rows
    ]


async def sent_after_a_timeout(uow: AsyncSession) -> int:
    """Messages sent after an earlier try timed out, or was cut off when the bot stopped or
    died mid-send: Telegram may have shown each of them twice.

    Telegram's sendMessage has no idempotency key, so when a request went out and no answer came
    back, retrying is the only way not to lose the message, at the risk of a duplicate. The
    count comes from the audit timeline, so it outlives the messages themselves.
    """
    timed_out = (
        select(AuditEvent.subject)
        .where(AuditEvent.action == "delivery.timed_out")
        .distinct()
        .subquery()
    )
    row = literal("outbox:", String) + cast(OutboxMessage.id, String)
    failed = select(AuditEvent.subject).where(AuditEvent.action == "delivery.failed")
    count = await uow.scalar(
        select(func.count())
        .select_from(timed_out)
        .where(
            or_(
                timed_out.c.subject.in_(select(row).where(OutboxMessage.status == SENT)),
                # Purged once kept long enough (handlers/delivery/retention.py): it was sent
                # or failed, and a failure is on the timeline.
                and_(timed_out.c.subject.not_in(select(row)), timed_out.c.subject.not_in(failed)),
            )
        )
    )
    return int(count or 0)
