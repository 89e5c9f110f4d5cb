"""Who is on site at a venue, or on call for the service, at a given time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.service.audit import audit_subject, record_audit
from storage.models import Person, RotaShift


class RotaError(ValueError):
    """A shift that cannot be added; the message says what to change."""


async def add_shift(
    uow: AsyncSession,
    person: Person,
    *,
    venue_code: str | None,
    starts_at: datetime,
    ends_at: datetime,
    is_on_call: bool,
    now: datetime,
) -> RotaShift:
    """Put a person on site at a venue (or on call) from `starts_at` to `ends_at`."""
    if not person.is_active:
        raise RotaError(f"{person.ref} is deactivated")
    if ends_at <= starts_at:
        raise RotaError("the shift must end after it starts")
    if not is_on_call and venue_code is None:
        raise RotaError("an on-site shift needs a venue (or use --on-call)")
    shift = RotaShift(
        person_id=person.id,
        venue_code=venue_code,
        starts_at=starts_at,
        ends_at=ends_at,
        is_on_call=is_on_call,
    )
    uow.add(shift)
    await uow.flush()
    record_audit(
        uow, "rota.added", at=now, subject=audit_subject("person", person.id), shift=shift.id
    )
    return shift


async def remove_shift(uow: AsyncSession, shift_id: int, *, now: datetime) -> bool:
    """Take a shift off the rota; False if there was no such shift."""
    shift = await uow.get(RotaShift, shift_id)
    if shift is None:
        return False
    await uow.delete(shift)
    record_audit(uow, "rota.removed", at=now, subject=audit_subject("person", shift.person_id))
    return True


async def shifts_between(
    uow: AsyncSession, starts_at: datetime, ends_at: datetime
) -> list[tuple[RotaShift, Person]]:
    """Every shift overlapping a span of time, with its person, in start order."""
    rows = await uow.execute(
        select(RotaShift, Person)
        .join(Person, Person.id == RotaShift.person_id)
        .where(RotaShift.starts_at < ends_at, RotaShift.ends_at > starts_at)
        .order_by(RotaShift.starts_at, Person.ref)
    )
    return [(shift, person) for shift, person in rows]


async def people_on_site(
    uow: AsyncSession, venue_code: str | None, roles: tuple[str, ...], at: datetime
) -> list[Person]:
    """Active people with one of `roles` on the rota at the venue right now."""
    if venue_code is None:
        return []
    result = await uow.scalars(
        select(Person)
        .join(RotaShift, RotaShift.person_id == Person.id)
        .where(
            RotaShift.venue_code == venue_code,
            RotaShift.is_on_call.is_(False),
            RotaShift.starts_at <= at,
            RotaShift.ends_at > at,
            Person.role.in_(roles),
            Person.is_active.is_(True),
        )
        .order_by(Person.id)
    )
    return list(result.unique())


async def people_on_call(uow: AsyncSession, at: datetime) -> list[Person]:
    """Active people on call for the service right now."""
    result = await uow.scalars(
        select(Person)
        .join(RotaShift, RotaShift.person_id == Person.id)
        .where(
            RotaShift.is_on_call.is_(True),
            RotaShift.starts_at <= at,
            RotaShift.ends_at > at,
            Person.is_active.is_(True),
        )
        .order_by(Person.id)
    )
    return list(result.unique())
