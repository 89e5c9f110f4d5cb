"""What a pre-visit booking says: to the coordinators and seniors, and in the staff's list."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Literal

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.delivery.chat import SendMessage
from handlers.delivery.coordinators import tell_coordinators
from handlers.delivery.outbox import queue_delivery
from handlers.service.context import ServiceContext
from handlers.service.labels import full_person_label, place_line
from storage.models import Child, Person, PrevisitBooking, Priority, Role

Change = Literal["booked", "moved", "cancelled"]
_HEADINGS = {
    "booked": "📅 Pre-visit booked",
    "moved": "📅 Pre-visit moved",
    "cancelled": "❌ Pre-visit cancelled",
}


def when_line(booking: PrevisitBooking, ctx: ServiceContext) -> str:
    """When a pre-visit is, as a person reads it: 'Tue 08 Dec, 10:00–11:00'."""
    return ctx.show_span(booking.starts_at, booking.ends_at)


async def children_labels(uow: AsyncSession, booking: PrevisitBooking) -> str:
    """The booking's children by initials and reference, never by name."""
    children = await uow.scalars(
        select(Child).where(Child.id.in_(booking.child_ids)).order_by(Child.ref)
    )
    return ", ".join(child.label for child in children) or "no child on record"


async def venue_leads_for(
    uow: AsyncSession, venue_codes: Collection[str]
) -> Sequence[Person]:
    """The active seniors and on-site managers of these venues, and those not tied to one."""
    found = await uow.scalars(
        select(Person)
        .where(
            Person.role.in_((Role.SENIOR.value, Role.MANAGER.value)),
            Person.is_active.is_(True),
            or_(Person.venue_code.in_(venue_codes), Person.venue_code.is_(None)),
        )
        .order_by(Person.id)
    )
    return list(found)


async def tell_staff(
    uow: AsyncSession,
    change: Change,
    booking: PrevisitBooking,
    carer: Person,
    ctx: ServiceContext,
    *,
    key: str,
    moved_from: str | None = None,
) -> None:
    """The coordinators and the venue's seniors and managers (of both venues, for a move
    between two) hear of a booking, a move or a cancellation."""
    text = (
        f"{_HEADINGS[change]}: {when_line(booking, ctx)} at "
        f"{await place_line(uow, booking.venue_code)}, with {full_person_label(carer)} for "
        f"{await children_labels(uow, booking)}. Send /previsits for the list."
    )
    await tell_coordinators(uow, text, key=key, now=ctx.now())
    venues = {booking.venue_code, moved_from or booking.venue_code}
    for lead in await venue_leads_for(uow, venues):
        await queue_delivery(
            uow,
            SendMessage(text, protect_content=True),
            now=ctx.now(),
            person_id=lead.id,
            priority=Priority.REPLY,
            dedupe_key=f"{key}:person:{lead.id}",
        )


async def describe_previsit(
    uow: AsyncSession, booking: PrevisitBooking, ctx: ServiceContext
) -> str:
    """A booking as its carer reads it: when, where, for whom, and what they told us."""
    return "\n".join(
        [
            f"When: {when_line(booking, ctx)}",
            f"Where: {await place_line(uow, booking.venue_code)}",
            f"Children: {await children_labels(uow, booking)}",
            f"Daily routine: {booking.routine}",
            f"School or nursery: {booking.school}",
            f"Clubs: {booking.clubs}",
        ]
    )
