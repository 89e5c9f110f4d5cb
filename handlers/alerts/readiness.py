"""Each morning: can the bot reach everyone on today's alert chain? Tell the coordinator if not."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.alerts.chain import why_unreachable
from handlers.alerts.rota import shifts_between
from handlers.delivery.coordinators import tell_coordinators
from handlers.service.audit import audit_subject, record_audit
from handlers.service.context import ServiceContext
from handlers.service.labels import full_person_label
from storage.models import AuditEvent, Person

CHECKED = "chain.readiness_checked"


async def _chain_people(
    uow: AsyncSession, ctx: ServiceContext, day_start: datetime
) -> list[Person]:
    people = {
        p.id: p for _, p in await shifts_between(uow, day_start, day_start + timedelta(days=1))
    }
    roles = {
        r for level in ctx.config.escalation.levels if not level.on_site_only for r in level.roles
    }
    if roles:
        for person in await uow.scalars(select(Person).where(Person.role.in_(roles))):
            people[person.id] = person
    return [p for p in people.values() if p.is_active]


async def readiness_checked(uow: AsyncSession, ctx: ServiceContext, now: datetime) -> bool:
    """Whether today's check has been done (by any instance)."""
    marker = audit_subject("readiness", ctx.local(now).date().isoformat())
    done = await uow.scalar(
        select(AuditEvent.id).where(AuditEvent.subject == marker, AuditEvent.action == CHECKED)
    )
    return done is not None


async def check_chain_readiness(uow: AsyncSession, ctx: ServiceContext, now: datetime) -> bool:
    """Once a day after the configured time; True when the coordinator was told about gaps."""
    local = ctx.local(now)
    if local.time() < ctx.config.escalation.readiness_check:
        return False
    if await readiness_checked(uow, ctx, now):
        return False
    marker = audit_subject("readiness", local.date().isoformat())
    day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    missing: list[tuple[Person, str]] = []
    for person in await _chain_people(uow, ctx, day_start):
        why = await why_unreachable(uow, person)
        if why is not None:
            missing.append((person, why))
    record_audit(uow, CHECKED, at=now, subject=marker, missing=[p.id for p, _ in missing])
    if not missing:
        return False
    lines = [
        f"⚠️ Alert chain check for {local:%a %d %b}: the bot can't reach "
        f"{len(missing)} {'person' if len(missing) == 1 else 'people'} on today's chain:"
    ]
    lines += [f"• {full_person_label(p)} — {why}" for p, why in missing]
    lines.append("Ask them to open their invite link (familytime invite), or change the rota.")
    await tell_coordinators(uow, "\n".join(lines), key=marker, now=now, is_protected=False)
    return True
