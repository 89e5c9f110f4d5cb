"""Keep the venues table in step with the service config."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.service.config import ServiceConfig
from storage.models import Venue


async def sync_venues(session: AsyncSession, config: ServiceConfig) -> None:
    """Add or rename the config's venues; venues dropped from the config stay for history."""
    for venue in config.venues:
        row = await session.get(Venue, venue.code)
        if row is None:
            session.add(Venue(code=venue.code, name=venue.name))
        elif row.name != venue.name:
            row.name = venue.name
