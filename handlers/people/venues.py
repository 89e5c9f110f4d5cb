"""Keep the venues table in step with the service config."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.service.config import ServiceConfig
from storage.models import Venue


async def sync_venues(uow: AsyncSession, config: ServiceConfig) -> None:
    """Add or rename the config's venues; venues dropped from the config stay for history."""
    for venue in config.venues:
        row = await uow.get(Venue, venue.code)
        if row is None:
            uow.add(Venue(code=venue.code, name=venue.name))
        elif row.name != venue.name:
            row.name = venue.name
