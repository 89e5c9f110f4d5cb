"""What the outbox holds: counts by status and priority, and the messages stuck longest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, cast, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEvent, OutboxMessage, OutboxStatus, Priority


@dataclass(frozen=True)
class StuckMessage:
    """An unsent message, by id and dedupe key only (no content: it may name a child)."""

    id: int
    dedupe_key: str | None
    priority: str
    attempts: int
    age_seconds: float
    last_error: str | None


async def outbox_counts(session: AsyncSession) -> dict[tuple[str, str], int]:
    """(status, priority name) → how many messages."""
    rows = await session.execute(
        select(OutboxMessage.status, OutboxMessage.priority, func.count()).group_by(
            OutboxMessage.status, OutboxMessage.priority
        )
    )
    return {(status, Priority(priority).name.lower()): count for status, priority, count in rows}


async def oldest_unsent(
    session: AsyncSession, now: datetime, limit: int = 10
) -> list[StuckMessage]:
    """The pending messages waiting longest."""
    rows = await session.scalars(
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


async def sent_after_a_timeout(session: AsyncSession) -> int:
    """Messages sent after an earlier try timed out, or was cut off when the bot stopped or
    died mid-send: Telegram may have shown each of them twice.

    Telegram's sendMessage has no idempotency key, so when a request went out and no answer came
    back, retrying is the only way not to lose the message, at the risk of a duplicate.
    """
    timed_out = select(AuditEvent.subject).where(AuditEvent.action == "delivery.timed_out")
    count = await session.scalar(
        select(func.count()).where(
            OutboxMessage.status == OutboxStatus.SENT.value,
            (literal("outbox:", String) + cast(OutboxMessage.id, String)).in_(timed_out),
        )
    )
    return int(count or 0)
