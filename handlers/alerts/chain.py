"""Who the alert chain could ping right now, gathered from the people, the rota and the links.

The decision (which step names whom, when the next climb is due) is handlers/alerts/policy.py;
this module only asks the database the questions the decision needs.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.alerts.policy import FALLBACK_ROLES, Candidate
from handlers.alerts.rota import people_on_call, people_on_site
from handlers.service.config import ServiceConfig
from storage.models import Alert, Person, TelegramLink


def unreachable_reason(person: Person, link: TelegramLink | None) -> str | None:
    """None if the bot can message this person; otherwise the reason, for the timeline."""
    if not person.is_active:
        return "deactivated"
    if link is None:
        return "has not linked Telegram"
    if not link.is_reachable:
        return f"cannot be reached ({link.unreachable_reason or 'send failed'})"
    return None


async def why_unreachable(uow: AsyncSession, person: Person) -> str | None:
    """None if the bot can message this person; otherwise the reason, for the timeline."""
    return unreachable_reason(person, await uow.get(TelegramLink, person.id))


async def gather_candidates(
    uow: AsyncSession, config: ServiceConfig, alert: Alert, now: datetime
) -> dict[int, tuple[Person, Candidate]]:
    """Every active person the chain could name for this alert now, in id order, as the policy
    sees them (role, on site at its venue, on call, reachable)."""
    roles = {role for level in config.escalation.levels for role in level.roles}
    roles.update(FALLBACK_ROLES)
    staff = list(
        await uow.scalars(select(Person).where(Person.role.in_(roles), Person.is_active.is_(True)))
    )
    on_site = {p.id for p in await people_on_site(uow, alert.venue_code, tuple(roles), now)}
    on_call = await people_on_call(uow, now)
    people = {p.id: p for p in [*staff, *on_call]}
    links = {
        link.person_id: link
        for link in await uow.scalars(
            select(TelegramLink).where(TelegramLink.person_id.in_(people))
        )
    }
    on_call_ids = {p.id for p in on_call}
    return {
        person_id: (
            person,
            Candidate(
                person_id=person_id,
                role=person.role,
                is_on_site=person_id in on_site,
                is_on_call=person_id in on_call_ids,
                why_unreachable=unreachable_reason(person, links.get(person_id)),
            ),
        )
        for person_id, person in sorted(people.items())
    }
