"""An alert's audit timeline in words a senior reads at a glance, with who did each step."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.service.context import ServiceContext
from handlers.service.labels import counted
from storage.models import AuditEvent, Person

STEP_WORDS = {  # each audited step as the timeline says it; anything else shows its own name
    "alert.raised": "raised",
    "alert.pinged": "sent to level {level}",
    "alert.deadline_passed": "time limit passed",
    "alert.escalated_now": "escalated now",
    "alert.acknowledged": "acknowledged",
    "alert.taken_over": "taken over",
    "alert.released": "released",
    "alert.reopened": "open again: not resolved in time",
    "alert.resolve_reminded": "holder reminded to resolve",
    "alert.resolved": "resolved",
    "alert.level_empty": "nobody on level {level}",
    "alert.nobody_reachable": "nobody could be reached",
    "alert.ping_failed": "a ping could not be delivered",
    "alert.recipient_unreachable": "someone could not be reached",
    "alert.escalation_error": "escalation error (the office has the log)",
}


async def timeline_of(
    uow: AsyncSession, events: list[AuditEvent], ctx: ServiceContext
) -> list[str]:
    """The timeline's lines, naming the person who did each step where there was one."""
    ids = {e.actor_person_id for e in events if e.actor_person_id is not None}
    people = list(await uow.scalars(select(Person).where(Person.id.in_(ids)))) if ids else []
    return _timeline_lines(events, ctx, {p.id: p.first_name for p in people})


def _timeline_lines(
    events: list[AuditEvent], ctx: ServiceContext, names: dict[int, str]
) -> list[str]:
    """One line a step; refused taps are counted in one line rather than listed."""
    refused = [e for e in events if e.action == "alert.access_refused"]
    # A time limit passing is what sends the alert on, so it reads first within its moment.
    in_order = sorted(events, key=lambda e: (e.at, e.action != "alert.deadline_passed"))
    lines = [
        f"  {ctx.local(e.at):%H:%M} {_describe_step(e, names)}"
        for e in in_order
        if e.action != "alert.access_refused"
    ]
    if refused:
        lines.append(
            f"  {counted(len(refused), 'refused tap')} by people not handling it, "
            f"{ctx.local(refused[0].at):%H:%M}–{ctx.local(refused[-1].at):%H:%M}"
        )
    return lines


def _describe_step(event: AuditEvent, names: dict[int, str]) -> str:
    words = STEP_WORDS.get(event.action, event.action.removeprefix("alert.").replace("_", " "))
    level = (event.details or {}).get("level")
    if level is None:
        words = words.replace("level {level}", "the chain")
    words = words.format(level=level)
    name = names.get(event.actor_person_id) if event.actor_person_id is not None else None
    return f"{words} by {name}" if name else words
