"""Pre-visits for the staff: the upcoming list in chat, and every booking kept as CSV rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.service.context import ServiceContext
from handlers.service.labels import full_person_label, place_line
from handlers.sessions.previsit_notices import children_labels, when_line
from storage.models import Person, PrevisitBooking

PREVISIT_COLUMNS = (
    "booking",
    "venue",
    "starts_at",
    "ends_at",
    "seat",
    "carer_ref",
    "carer",
    "children",
    "routine",
    "school",
    "clubs",
    "booked_at",
)


async def list_upcoming_previsits(uow: AsyncSession, ctx: ServiceContext) -> str:
    """The pre-visits still to come, soonest first, with what each carer told us."""
    rows = await uow.execute(
        select(PrevisitBooking, Person)
        .join(Person, Person.id == PrevisitBooking.carer_id)
        .where(PrevisitBooking.ends_at > ctx.now())
        .order_by(PrevisitBooking.starts_at, PrevisitBooking.seat)
    )
    blocks = []
    for booking, carer in rows:
        blocks.append(
            f"📅 {when_line(booking, ctx)} · {await place_line(uow, booking.venue_code)}\n"
            f"{full_person_label(carer)} for {await children_labels(uow, booking)}\n"
            f"Routine: {booking.routine}\nSchool or nursery: {booking.school}\n"
            f"Clubs: {booking.clubs}"
        )
    if not blocks:
        return "No pre-visits are booked."
    return "Pre-visits booked:\n\n" + "\n\n".join(blocks)


async def export_previsits(uow: AsyncSession, ctx: ServiceContext) -> list[dict[str, Any]]:
    """Every booking kept (past ones until the retention purge), in local time, for a CSV."""
    rows = await uow.execute(
        select(PrevisitBooking, Person)
        .join(Person, Person.id == PrevisitBooking.carer_id)
        .order_by(PrevisitBooking.starts_at, PrevisitBooking.seat)
    )
    return [
        {
            "booking": booking.id,
            "venue": booking.venue_code,
            "starts_at": ctx.local(booking.starts_at).isoformat(),
            "ends_at": ctx.local(booking.ends_at).isoformat(),
            "seat": booking.seat,
            "carer_ref": carer.ref,
            "carer": f"{carer.first_name} {carer.last_name}",
            "children": await children_labels(uow, booking),
            "routine": booking.routine,
            "school": booking.school,
            "clubs": booking.clubs,
            "booked_at": ctx.local(booking.booked_at).isoformat(),
        }
        for booking, carer in rows
    ]
