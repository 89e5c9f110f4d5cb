"""The escalation policy: who an alert goes to at each step, and how long before the next."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.alerts.rota import people_on_call, people_on_site
from handlers.service.config import EscalationLevel, ServiceConfig
from storage.models import Alert, Person, Role, Severity, TelegramLink

FALLBACK_ROLES = (Role.MANAGER.value, Role.COORDINATOR.value)
_DEFAULT_LEVEL = EscalationLevel(
    roles=FALLBACK_ROLES,
    timeout_minutes={Severity.IMMEDIATE: 2, Severity.URGENT: 5, Severity.WORRY: 30},
)


@dataclass(frozen=True)
class Rung:
    """One step up the chain: the people to ping and when the next step is due."""

    step: int
    level_number: int  # 1-based, as people say it; repeats of the last level keep its number
    people: tuple[Person, ...]
    is_fallback: bool
    wait: timedelta


def _level(config: ServiceConfig, step: int) -> tuple[int, EscalationLevel]:
    levels = config.escalation.levels or (_DEFAULT_LEVEL,)
    index = min(step, len(levels) - 1)
    return index, levels[index]


def is_last_level(config: ServiceConfig, step: int) -> bool:
    """Whether this step is at (or repeating) the top of the chain."""
    return step >= max(len(config.escalation.levels), 1) - 1


async def _with_roles(uow: AsyncSession, roles: tuple[str, ...]) -> list[Person]:
    result = await uow.scalars(
        select(Person).where(Person.role.in_(roles), Person.is_active.is_(True)).order_by(Person.id)
    )
    return list(result)


async def rung_for_step(
    uow: AsyncSession, config: ServiceConfig, alert: Alert, step: int, now: datetime
) -> Rung:
    """Who the alert goes to at `step` (0 = when raised), never the person who raised it."""
    index, level = _level(config, step)
    if level.on_site_only:
        people = await people_on_site(uow, alert.venue_code, level.roles, now)
    else:
        people = await _with_roles(uow, level.roles)
    if step == 0 and alert.is_out_of_hours:
        people += await people_on_call(uow, now)
    is_fallback = not [p for p in people if p.id != alert.raised_by_id]
    if is_fallback:
        people = await _with_roles(uow, FALLBACK_ROLES)
    unique = {p.id: p for p in people if p.id != alert.raised_by_id}
    levels_count = max(len(config.escalation.levels), 1)
    minutes = (
        level.timeout_minutes[Severity(alert.severity)]
        if step < levels_count
        else config.escalation.repeat_minutes
    )
    return Rung(
        step=step,
        level_number=index + 1,
        people=tuple(unique.values()),
        is_fallback=is_fallback,
        wait=timedelta(minutes=minutes),
    )


async def why_unreachable(uow: AsyncSession, person: Person) -> str | None:
    """None if the bot can message this person; otherwise the reason, for the timeline."""
    if not person.is_active:
        return "deactivated"
    link = await uow.get(TelegramLink, person.id)
    if link is None:
        return "has not linked Telegram"
    if not link.is_reachable:
        return f"cannot be reached ({link.unreachable_reason or 'send failed'})"
    return None
