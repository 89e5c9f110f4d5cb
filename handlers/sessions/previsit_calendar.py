"""The carer's calendar file for their pre-visit: sent on booking, moving and cancelling, one
entry (the same UID) that each new file updates; children by initials only, never a name."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.delivery.chat import SendDocument
from handlers.delivery.outbox import queue_delivery
from handlers.service.calendar_files import CalendarEvent, calendar_file
from handlers.service.context import ServiceContext
from handlers.sessions.previsit_notices import Change, when_line
from storage.models import Child, Person, PrevisitBooking, Priority

FILE_NAME = "previsit.ics"
_CAPTIONS = {
    "booked": "📅 Booked: {when} at {place}. Open this file to add it to your calendar.",
    "moved": "📅 Moved: {when} at {place}. Open this file to update your calendar.",
    "cancelled": "❌ Cancelled: {when} at {place}. Open this file to take it off your calendar.",
}


async def previsit_event(
    uow: AsyncSession, booking: PrevisitBooking, ctx: ServiceContext, *, cancelled: bool = False
) -> CalendarEvent:
    """The booking as a calendar entry: where (with parking and arrival notes), for whom."""
    venue = next((v for v in ctx.config.venues if v.code == booking.venue_code), None)
    initials = await uow.scalars(
        select(Child.initials).where(Child.id.in_(booking.child_ids)).order_by(Child.ref)
    )
    notes = [venue.parking, venue.arrival] if venue else []
    return CalendarEvent(
        uid=f"previsit-{booking.id}@{ctx.bot_username}",
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        summary=f"Family Time pre-visit ({', '.join(initials)})",
        location=", ".join(p for p in (venue.name, venue.address) if p) if venue else "",
        description=" ".join(note for note in notes if note),
        cancelled=cancelled,
    )


async def send_previsit_calendar(
    uow: AsyncSession,
    change: Change,
    booking: PrevisitBooking,
    carer: Person,
    ctx: ServiceContext,
    *,
    key: str,
) -> None:
    """Queue the calendar file to the carer, its caption saying what changed."""
    event = await previsit_event(uow, booking, ctx, cancelled=change == "cancelled")
    content = calendar_file([event], ctx.zone, stamped_at=ctx.now(), name=ctx.config.service_name)
    venue = next((v.name for v in ctx.config.venues if v.code == booking.venue_code), "")
    caption = _CAPTIONS[change].format(when=when_line(booking, ctx), place=venue)
    await queue_delivery(
        uow,
        SendDocument(FILE_NAME, content, caption=caption),
        now=ctx.now(),
        person_id=carer.id,
        priority=Priority.REPLY,
        dedupe_key=f"{key}:calendar",
    )
