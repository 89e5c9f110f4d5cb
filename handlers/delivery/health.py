"""Is the bot healthy? The database answers, nothing waits too long to send or to escalate."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.service.config import Watchdog
from storage.models import (
    Alert,
    AlertStatus,
    InboxUpdate,
    OutboxMessage,
    OutboxStatus,
    PurgedCount,
)

DEFAULT_LIMITS = Watchdog()  # for callers without the service config, e.g. /healthz


@dataclass(frozen=True)
class Health:
    """What /healthz and /metrics report; `is_healthy` turns the check red."""

    outbox_depth: int
    oldest_unsent_seconds: float
    escalation_lag_seconds: float
    updates_processed: int = 0
    sends_by_outcome: dict[str, int] = field(default_factory=dict)
    limits: Watchdog = DEFAULT_LIMITS

    @property
    def is_healthy(self) -> bool:
        """Green unless a message or an escalation is overdue (by the service's watchdog limits)."""
        return (
            self.oldest_unsent_seconds <= self.limits.unsent_minutes * 60
            and self.escalation_lag_seconds <= self.limits.escalation_late_seconds
        )


async def check_health(
    uow: AsyncSession, now: datetime, limits: Watchdog = DEFAULT_LIMITS
) -> Health:
    """Outbox depth and oldest unsent age and escalation lag: cheap (indexed; the watchdog
    runs it every tick). The running totals are `count_totals`, kept apart as they cost more."""
    # A message put aside to wait for its own chat (a backlog going out at Telegram's one a
    # second) is waiting by design; one never put aside and still unsent means delivery is stuck.
    not_put_aside = case((OutboxMessage.parked_until.is_(None), OutboxMessage.created_at))
    depth, oldest = (
        await uow.execute(
            select(func.count(), func.min(not_put_aside)).where(
                OutboxMessage.status == OutboxStatus.PENDING.value
            )
        )
    ).one()
    overdue = await uow.scalar(
        select(func.min(Alert.due_at)).where(
            Alert.status.in_((AlertStatus.OPEN.value, AlertStatus.ACKNOWLEDGED.value))
        )
    )
    return Health(
        outbox_depth=int(depth or 0),
        oldest_unsent_seconds=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
        escalation_lag_seconds=max(0.0, (now - overdue).total_seconds()) if overdue else 0.0,
        limits=limits,
    )


@dataclass(frozen=True)
class Totals:
    """Running totals for /metrics: updates handled, outbox messages by status."""

    updates_processed: int
    sends_by_outcome: dict[str, int]


async def count_totals(uow: AsyncSession) -> Totals:
    """Count the inbox and outbox (whole tables, so /metrics reads them at most every so often).

    Totals count what the retention purge deleted too, so these counters never go down.
    """
    purged = {
        kind: int(count)
        for kind, count in await uow.execute(select(PurgedCount.kind, PurgedCount.count))
    }
    processed = purged.get("inbox", 0) + int(
        await uow.scalar(select(func.count()).where(InboxUpdate.processed_at.is_not(None))) or 0
    )
    rows = await uow.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    )
    outcomes = {str(status): int(count) for status, count in rows}
    for status in (OutboxStatus.SENT.value, OutboxStatus.FAILED.value):
        if purged.get(f"outbox:{status}"):
            outcomes[status] = outcomes.get(status, 0) + purged[f"outbox:{status}"]
    return Totals(processed, outcomes)
