"""The service's rules for a message that can't be delivered, handed to the dispatcher: a
failed alert ping moves the escalation on, and a person Telegram refuses is marked unreachable."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.alerts import note_failed_delivery
from handlers.delivery.reachability import mark_unreachable
from storage.models import OutboxMessage


class ServiceFollowUps:
    """Follows up delivery failures; `on_alert_climbs` wakes the due work (the escalation)."""

    def __init__(self, on_alert_climbs: Callable[[], None] = lambda: None) -> None:
        self.on_alert_climbs = on_alert_climbs

    async def on_unreachable(
        self, uow: AsyncSession, person_id: int, error: str, now: datetime
    ) -> None:
        """No reminders go to a person Telegram refuses for good; the coordinators are told."""
        await mark_unreachable(uow, person_id, error, now)

    async def on_permanent_failure(
        self, uow: AsyncSession, row: OutboxMessage, now: datetime
    ) -> None:
        """An alert ping that can't be delivered lets the alert climb the chain at once."""
        if await note_failed_delivery(uow, row, now):
            self.on_alert_climbs()
