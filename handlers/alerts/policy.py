"""The escalation policy as pure decisions: who an alert goes to at each step, and when it climbs.

Words: a *level* is a rung of the configured chain (level 1 is pinged when the alert is raised).
A *step* is one climb of a given alert: step 0 when raised, step 1 after the first timeout, and
so on. Steps past the top of the chain repeat the last level until someone acknowledges.

Nothing here reads the database or the clock; handlers/alerts/chain.py gathers the candidates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from handlers.service.config import Escalation, EscalationLevel
from storage.models import Role, Severity

# A level with nobody to take it goes to every manager and coordinator: never to nobody.
FALLBACK_ROLES = (Role.MANAGER.value, Role.COORDINATOR.value)
MAX_STEPS_AT_ONCE = 20  # climbing past unreachable levels in one go stops here, whatever the chain


@dataclass(frozen=True)
class Candidate:
    """A member of staff the chain might ping, as things stand now (active people only)."""

    person_id: int
    role: str
    is_on_site: bool = False  # on the rota at the alert's venue now
    is_on_call: bool = False  # on call for the service now
    why_unreachable: str | None = None  # None when the bot can message them


@dataclass(frozen=True)
class StepPlan:
    """One step of an alert's climb: its level, the people it names and the wait before the next."""

    step: int
    level_number: int  # 1-based, as people say it; repeats of the last level keep its number
    person_ids: tuple[int, ...]
    is_fallback: bool
    wait: timedelta


@dataclass(frozen=True)
class Climb:
    """Where an alert lands now: every step looked at, and who there gets pinged."""

    plans: tuple[StepPlan, ...]  # in order; the last is the step the alert stays at
    pinged: tuple[int, ...]  # the reachable people of the last plan; empty when nobody is
    wait: timedelta  # until the next climb is due

    @property
    def step(self) -> int:
        """The step the alert stays at."""
        return self.plans[-1].step


def level_index(escalation: Escalation, step: int) -> int:
    """The 0-based level a step is at: past the top, the last level again."""
    return min(step, len(escalation.levels) - 1)


def is_last_level(escalation: Escalation, step: int) -> bool:
    """Whether this step is at (or repeating) the top of the chain."""
    return step >= len(escalation.levels) - 1


def _named(
    level: EscalationLevel, step: int, candidates: Sequence[Candidate], is_out_of_hours: bool
) -> list[Candidate]:
    named = [
        c for c in candidates if c.role in level.roles and (c.is_on_site or not level.on_site_only)
    ]
    if step == 0 and is_out_of_hours:
        named += [c for c in candidates if c.is_on_call]  # the ESWT joins level 1 out of hours
    return named


def plan_step(
    escalation: Escalation,
    severity: Severity,
    step: int,
    candidates: Sequence[Candidate],
    *,
    raised_by_id: int,
    is_out_of_hours: bool,
) -> StepPlan:
    """Who `step` names (never the person who raised it) and how long it waits for them."""
    index = level_index(escalation, step)
    level = escalation.levels[index]
    others = [c for c in candidates if c.person_id != raised_by_id]
    named = _named(level, step, others, is_out_of_hours)
    is_fallback = not named
    if is_fallback:
        named = [c for c in others if c.role in FALLBACK_ROLES]
    minutes = (
        level.timeout_minutes[severity]
        if step < len(escalation.levels)
        else escalation.repeat_minutes
    )
    return StepPlan(
        step=step,
        level_number=index + 1,
        person_ids=tuple(dict.fromkeys(c.person_id for c in named)),
        is_fallback=is_fallback,
        wait=timedelta(minutes=minutes),
    )


def climb(
    escalation: Escalation,
    severity: Severity,
    step: int,
    candidates: Sequence[Candidate],
    *,
    raised_by_id: int,
    is_out_of_hours: bool,
) -> Climb:
    """From `step`, climb at once past steps nobody can be reached at; who gets pinged, and when
    the next climb is due (the last level's repeat time when nobody can be reached at all)."""
    reachable = {c.person_id for c in candidates if c.why_unreachable is None}
    plans: list[StepPlan] = []
    for current in range(step, step + MAX_STEPS_AT_ONCE):
        plan = plan_step(
            escalation,
            severity,
            current,
            candidates,
            raised_by_id=raised_by_id,
            is_out_of_hours=is_out_of_hours,
        )
        plans.append(plan)
        pinged = tuple(p for p in plan.person_ids if p in reachable)
        if pinged:
            return Climb(tuple(plans), pinged, plan.wait)
        if is_last_level(escalation, current):
            break
    return Climb(tuple(plans), (), timedelta(minutes=escalation.repeat_minutes))
