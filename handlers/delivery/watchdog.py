"""The watchdog: a message unsent for two minutes, or an escalation a minute late, is reported."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.delivery.coordinators import tell_coordinators
from handlers.delivery.health import Health, check_health
from handlers.service.context import ServiceContext
from storage.models import Priority

log = logging.getLogger(__name__)

WINDOW_MINUTES = 15  # at most one warning per coordinator in this long


async def watch_delivery(uow: AsyncSession, ctx: ServiceContext, now: datetime) -> Health:
    """Check the outbox and escalations; log and tell the coordinators when either is behind."""
    health = await check_health(uow, now)
    if health.is_healthy:
        return health
    log.error(
        "watchdog: %d message(s) unsent, oldest %.0fs; escalation lag %.0fs",
        health.outbox_depth,
        health.oldest_unsent_seconds,
        health.escalation_lag_seconds,
    )
    window = int(now.timestamp() // (WINDOW_MINUTES * 60))
    text = (
        "⚠️ The bot is behind: "
        f"{health.outbox_depth} message(s) waiting, the oldest for "
        f"{health.oldest_unsent_seconds / 60:.0f} min; the most overdue alert escalation is "
        f"{health.escalation_lag_seconds:.0f} s late. It keeps retrying. Please check "
        "`familytime outbox status`, and phone anyone who must hear something urgently."
    )
    await tell_coordinators(
        uow, text, key=f"watchdog:{window}", now=now, priority=Priority.ALERT, is_protected=False
    )
    return health
