"""How messages name roles, people and places: the same words in every message."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Person, Role, Venue

ROLE_TITLES: dict[str, str] = {
    Role.CARER.value: "carer",
    Role.WORKER.value: "Family Time Worker",
    Role.SENIOR.value: "senior Family Time Worker",
    Role.MANAGER.value: "manager",
    Role.COORDINATOR.value: "Family Time Coordinator",
    Role.SOCIAL_WORKER.value: "social worker",
    Role.ADMIN.value: "administrator",
}
UNKNOWN_VENUE = "Venue not known"


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """"1 alert", "3 alerts": a number and its noun, as people write them."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


def within_days(days: float) -> str:
    """A configured window as a person reads it: 'in the next 2 days', 'in the next 36 hours'."""
    if days == int(days):
        return "in the next day" if days == 1 else f"in the next {int(days)} days"
    return f"in the next {counted(round(days * 24), 'hour')}"


def role_title(role: str) -> str:
    """A role in full, as a greeting says it: 'senior Family Time Worker'."""
    return ROLE_TITLES.get(role, role)


def role_label(role: str) -> str:
    """A role in brief, as it follows a name in brackets: 'senior', 'social worker'."""
    return role.replace("_", " ")


def person_label(person: Person) -> str:
    """A member of staff as alert messages name them: 'Sid (senior)'."""
    return f"{person.first_name} ({role_label(person.role)})"


def full_person_label(person: Person) -> str:
    """A person as notices to the coordinators name them: 'Sid Testsenior (senior)'."""
    return f"{person.first_name} {person.last_name} ({role_label(person.role)})"


async def place_line(uow: AsyncSession, venue_code: str | None, room: str | None = None) -> str:
    """Where something is: 'Coffee Hall, Room 2'; the venue's code if it is not on record."""
    venue = await uow.get(Venue, venue_code) if venue_code is not None else None
    name = venue.name if venue is not None else venue_code
    return ", ".join(part for part in (name or UNKNOWN_VENUE, room) if part)
