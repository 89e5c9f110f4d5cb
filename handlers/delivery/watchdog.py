"""The watchdog: a message unsent too long, or an escalation too late, is reported.

How long is too long is the service config's [watchdog] (by default two minutes unsent, a
minute late).
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.delivery.coordinators import tell_coordinators
from handlers.delivery.health import Health, check_health
from handlers.service.context import ServiceContext
from handlers.service.labels import counted
from storage.models import Priority

log = logging.getLogger(__name__)


async def watch_delivery(uow: AsyncSession, ctx: ServiceContext, now: datetime) -> Health:
    """Check the outbox and escalations; log and tell the coordinators when either is behind."""
    health = await check_health(uow, now, ctx.config.watchdog)
    if health.is_healthy:
        return health
    log.error(
        "watchdog: %d message(s) unsent, oldest %.0fs; escalation lag %.0fs",
        health.outbox_depth,
        health.oldest_unsent_seconds,
        health.escalation_lag_seconds,
    )
    # At most one warning per coordinator in each window of this many minutes.
    window = int(now.timestamp() // (ctx.config.watchdog.warn_every_minutes * 60))
    text = (
        "⚠️ The bot is behind: "
        f"{counted(health.outbox_depth, 'message')} waiting, the oldest for "
        f"{health.oldest_unsent_seconds / 60:.0f} min; the most overdue alert escalation is "
        f"{health.escalation_lag_seconds:.0f} s late. It keeps retrying. Please check "
        "`familytime outbox status`, and phone anyone who must hear something urgently."
    )
    await tell_coordinators(
        uow, text, key=f"watchdog:{window}", now=now, priority=Priority.ALERT, is_protected=False
    )
    return health
