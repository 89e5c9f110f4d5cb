"""The watchdog: a message unsent for two minutes, or an escalation a minute late, is reported."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.delivery.chat import SendMessage
from handlers.delivery.health import Health, check_health
from handlers.delivery.outbox import queue_delivery
from handlers.delivery.reachability import active_coordinators
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
    for coordinator in await active_coordinators(uow):
        await queue_delivery(
            uow,
            SendMessage(text),
            now=now,
            person_id=coordinator.id,
            priority=Priority.ALERT,
            dedupe_key=f"watchdog:{window}:person:{coordinator.id}",
        )
    return health
