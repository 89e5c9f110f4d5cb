"""A carer books, moves or cancels their pre-visit; a seat of a slot is taken in the database,
so a slot is never booked beyond its capacity, whoever (and whichever instance) asks at once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.service.audit import audit_subject, record_audit
from handlers.service.context import ServiceContext
from handlers.sessions.illness import children_of_carer
from handlers.sessions.previsit_calendar import send_previsit_calendar
from handlers.sessions.previsit_notices import Change, tell_staff
from handlers.sessions.previsit_slots import (
    SlotRules,
    bookable_days,
    first_day,
    free_slots,
    last_day,
    rules_for,
)
from storage.models import Person, PrevisitBooking

PREVISIT_START = "previsit"  # the command, and the code of its start buttons
BOOKED, MOVED, CANCELLED = "previsit.booked", "previsit.moved", "previsit.cancelled"


class SlotTaken(Exception):
    """Every seat of the slot was taken (perhaps a moment ago), or it is no longer offered."""


class NotYourBooking(Exception):
    """The booking is gone, or was never this carer's."""


@dataclass(frozen=True)
class PrevisitAnswers:
    """What the carer tells the planning meeting about the children."""

    routine: str
    school: str
    clubs: str


async def seats_taken(
    uow: AsyncSession, venue_code: str, *, since: datetime, until: datetime
) -> Counter[datetime]:
    """How many seats are booked at each slot start (UTC) at a venue in a span of time."""
    rows = await uow.execute(
        select(PrevisitBooking.starts_at, func.count())
        .where(
            PrevisitBooking.venue_code == venue_code,
            PrevisitBooking.starts_at >= since,
            PrevisitBooking.starts_at < until,
        )
        .group_by(PrevisitBooking.starts_at)
    )
    return Counter({start: count for start, count in rows})


async def free_previsit_slots(
    uow: AsyncSession, ctx: ServiceContext, *, leaving_out: int | None = None
) -> dict[str, dict[str, list[str]]]:
    """What can be booked now, at every venue: {venue: {"YYYY-MM-DD": ["HH:MM", ...]}}, local
    times; `leaving_out` is a booking being moved, whose own seat counts as free."""
    offer: dict[str, dict[str, list[str]]] = {}
    now = ctx.now()
    for venue in ctx.config.venues:
        rules = rules_for(ctx.config, venue.code)
        taken = await _taken_in_window(uow, venue.code, rules, ctx, leaving_out)
        offer[venue.code] = {
            day.isoformat(): [
                f"{start:%H:%M}" for start in free_slots(rules, day, now=now, taken=taken)
            ]
            for day in bookable_days(rules, now=now, taken=taken)
        }
    return offer


def slot_start(ctx: ServiceContext, day: str, time_of_day: str) -> datetime:
    """The instant a slot starts, from its local day and time as the pickers keep them."""
    return datetime.combine(date.fromisoformat(day), time.fromisoformat(time_of_day), ctx.zone)


async def offered_slots(
    uow: AsyncSession,
    venue_code: str,
    day: date,
    ctx: ServiceContext,
    *,
    leaving_out: int | None = None,
) -> list[datetime]:
    """The free slots on one day at a venue, worked out now; none outside the bookable days."""
    rules = rules_for(ctx.config, venue_code)
    now = ctx.now()
    if not first_day(now, rules.zone) <= day <= last_day(now, rules):
        return []
    taken = await _taken_in_window(uow, venue_code, rules, ctx, leaving_out)
    return free_slots(rules, day, now=now, taken=taken)


async def _taken_in_window(
    uow: AsyncSession,
    venue_code: str,
    rules: SlotRules,
    ctx: ServiceContext,
    leaving_out: int | None,
) -> Counter[datetime]:
    now = ctx.now()
    taken = await seats_taken(
        uow, venue_code, since=now, until=now + timedelta(weeks=rules.weeks_ahead, days=2)
    )
    moving = await uow.get(PrevisitBooking, leaving_out) if leaving_out is not None else None
    if moving is not None and moving.venue_code == venue_code:
        taken[moving.starts_at] -= 1
    return taken


async def upcoming_previsit(
    uow: AsyncSession, carer_id: int, ctx: ServiceContext
) -> PrevisitBooking | None:
    """The carer's pre-visit still to come, if they have one."""
    found = await uow.scalar(
        select(PrevisitBooking)
        .where(PrevisitBooking.carer_id == carer_id, PrevisitBooking.ends_at > ctx.now())
        .order_by(PrevisitBooking.starts_at)
        .limit(1)
    )
    return found


async def book_previsit(
    uow: AsyncSession,
    *,
    carer: Person,
    venue_code: str,
    starts_at: datetime,
    child_ids: Sequence[int],
    answers: PrevisitAnswers,
    ctx: ServiceContext,
) -> PrevisitBooking:
    """Take a seat for the carer's own children; raises SlotTaken when none is left."""
    mine = {child.id for child in await children_of_carer(uow, carer.id)}
    if not child_ids or not set(child_ids) <= mine:
        raise NotYourBooking("children")
    if await upcoming_previsit(uow, carer.id, ctx) is not None:
        raise NotYourBooking("already booked")  # one pre-visit at a time; move it instead
    booking = PrevisitBooking(
        carer_id=carer.id,
        child_ids=list(child_ids),
        routine=answers.routine,
        school=answers.school,
        clubs=answers.clubs,
        booked_at=ctx.now(),
    )
    await _take_seat(uow, booking, venue_code, starts_at, ctx, leaving_out=None)
    await _record_and_tell(uow, "booked", booking, carer, ctx)
    return booking


async def move_previsit(
    uow: AsyncSession,
    *,
    carer: Person,
    booking_id: int,
    venue_code: str,
    starts_at: datetime,
    ctx: ServiceContext,
) -> PrevisitBooking:
    """Move the carer's booking to another slot, in place (its answers, and its calendar entry,
    kept); SlotTaken leaves it as it was."""
    booking = await _own_booking(uow, carer, booking_id, ctx)
    moved_from = booking.venue_code
    await _take_seat(uow, booking, venue_code, starts_at, ctx, leaving_out=booking.id)
    await _record_and_tell(uow, "moved", booking, carer, ctx, moved_from=moved_from)
    return booking


async def cancel_previsit(
    uow: AsyncSession, *, carer: Person, booking_id: int, ctx: ServiceContext
) -> PrevisitBooking:
    """Cancel the carer's booking: its seat is free at once, and what they typed is deleted."""
    booking = await _own_booking(uow, carer, booking_id, ctx)
    await _record_and_tell(uow, "cancelled", booking, carer, ctx)
    await uow.delete(booking)
    return booking


_ACTIONS: dict[Change, str] = {"booked": BOOKED, "moved": MOVED, "cancelled": CANCELLED}


async def _record_and_tell(
    uow: AsyncSession,
    change: Change,
    booking: PrevisitBooking,
    carer: Person,
    ctx: ServiceContext,
    *,
    moved_from: str | None = None,
) -> None:
    """On the timeline (the seat too, while it is held), then the carer's calendar file and the
    staff's notice, both keyed by that event so a retry sends neither twice."""
    seat: dict[str, Any] = {} if change == "cancelled" else {"seat": booking.seat}
    event = record_audit(
        uow,
        _ACTIONS[change],
        at=ctx.now(),
        actor_person_id=carer.id,
        subject=audit_subject("previsit", booking.id),
        venue=booking.venue_code,
        starts_at=booking.starts_at.isoformat(),
        **seat,
    )
    await uow.flush()
    key = f"previsit:{event.id}"
    await send_previsit_calendar(uow, change, booking, carer, ctx, key=key)
    await tell_staff(uow, change, booking, carer, ctx, key=key, moved_from=moved_from)


async def _own_booking(
    uow: AsyncSession, carer: Person, booking_id: int, ctx: ServiceContext
) -> PrevisitBooking:
    booking = await uow.get(PrevisitBooking, booking_id)
    if booking is None or booking.carer_id != carer.id or booking.ends_at <= ctx.now():
        raise NotYourBooking(booking_id)
    return booking


async def _take_seat(
    uow: AsyncSession,
    booking: PrevisitBooking,
    venue_code: str,
    starts_at: datetime,
    ctx: ServiceContext,
    *,
    leaving_out: int | None,
) -> None:
    """Put the booking (new, or one being moved) in the first free seat of the slot; the
    unique (venue, start, seat) constraint refuses a seat someone took since we looked, and
    each try is its own savepoint. Raises SlotTaken when no seat is left."""
    rules = rules_for(ctx.config, venue_code)
    day = starts_at.astimezone(rules.zone).date()
    if starts_at not in await offered_slots(uow, venue_code, day, ctx, leaving_out=leaving_out):
        raise SlotTaken(starts_at)
    held = set(
        await uow.scalars(
            select(PrevisitBooking.seat).where(
                PrevisitBooking.venue_code == venue_code,
                PrevisitBooking.starts_at == starts_at,
                PrevisitBooking.id != (leaving_out or 0),
            )
        )
    )
    for seat in range(1, rules.capacity + 1):
        if seat in held:
            continue
        try:
            async with uow.begin_nested():
                booking.venue_code, booking.starts_at, booking.seat = venue_code, starts_at, seat
                booking.ends_at = starts_at + timedelta(minutes=rules.slot_minutes)
                uow.add(booking)
                await uow.flush()
        except IntegrityError:  # taken by another carer since we looked: try the next seat
            continue
        return
    raise SlotTaken(starts_at)
