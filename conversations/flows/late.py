"""The carer running late: which session today (preselected when one), how late, tell the worker."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.engine import Choose, Data, Flow, Option, Step
from conversations.flows.session_choice import (
    carers_children,
    chosen_session_label,
    session_options,
)
from conversations.registry import (
    EVERYONE,
    ButtonFamily,
    Call,
    Capability,
    FlowSpec,
    NothingSent,
    SeenAtOnce,
)
from handlers.service.context import ServiceContext
from handlers.sessions import (
    LATE_MINUTES,
    LATE_START,
    NOTED_PREFIX,
    Noted,
    NotRunningToday,
    carer_span,
    children_of_carer,
    how_late,
    note_lateness,
    report_late,
    sessions_today,
)
from storage.models import Person, Role


def _minutes(_: Data) -> Sequence[Option]:
    return [Option(str(m), f"{how_late(m)} late") for m in LATE_MINUTES]


def _ask_minutes(data: Data) -> str:
    return f"About how late will you be for the session at {chosen_session_label(data)}?"


LATE = Flow(
    name=LATE_START,
    title="telling the worker you're running late",
    steps=(
        Step(
            name="session",
            ask=lambda _: "Which session are you running late for?",
            expects=Choose(session_options, skip_when_single=True),
            save_as="session",
        ),
        Step(name="minutes", ask=_ask_minutes, expects=Choose(_minutes), save_as="minutes"),
    ),
)


async def prepare_late(
    uow: AsyncSession, person: Person, ctx: ServiceContext, argument: str | None
) -> dict[str, Any] | str:
    """Today's sessions still to come (only the one a reminder's button names), or why not."""
    sessions = await sessions_today(uow, person.id, ctx)
    if argument is not None:  # from a reminder: checked again, it must still be theirs today
        sessions = [s for s in sessions if str(s.id) == argument]
        if not sessions:
            return (
                "That session has ended or was cancelled, so I haven't told anyone; send /late "
                "if you're running late for another session today."
            )
    if not sessions:
        return (
            "I can't find a session today for the children you look after, so please phone "
            f"the office on {ctx.config.contacts.office_phone} to say you're running late."
        )
    mine = {child.id for child in await children_of_carer(uow, person.id)}
    options = [
        [
            str(s.id),
            f"{ctx.local(carer_span(s)[0]):%H:%M} · {carers_children(s, mine)}",
        ]
        for s in sessions
    ]
    return {"sessions": options}


async def finish_late(
    uow: AsyncSession, person: Person, data: dict[str, Any], ctx: ServiceContext
) -> str:
    """Hand the answers to the use case; its reply is what the carer reads."""
    try:
        done = await report_late(
            uow,
            carer=person,
            session_id=int(data["session"]),
            minutes=int(data["minutes"]),
            ctx=ctx,
        )
    except NotRunningToday:
        return NothingSent(
            "That session has ended or was cancelled meanwhile, so I haven't told anyone; "
            f"phone the office on {ctx.config.contacts.office_phone} if you need to."
        )
    return SeenAtOnce(done.reply) if done.is_worker_told else done.reply


_REFUSALS = {
    Noted.ALREADY: "The carer already knows this notice was seen.",
    Noted.UNKNOWN: "That button doesn't match a late notice sent to you.",
}


async def press_noted(call: Call, data: str) -> str:
    """Noted on a late notice: the carer is told; the notice loses its button."""
    noted = await note_lateness(call.uow, person=call.person, data=data, ctx=call.ctx)
    if noted.outcome is not Noted.DONE:
        await call.reply.answer_button_and_say(_REFUSALS[noted.outcome])
        return f"late_noted_{noted.outcome}"
    await call.reply.answer_button("The carer has been told you know.")
    if noted.notice:
        await call.reply.edit_pressed(f"{noted.notice}\n✔ Noted: the carer has been told.")
    return "late_noted"


RUNNING_LATE = Capability(
    LATE.name,
    frozenset({Role.CARER.value}),
    FlowSpec(LATE, prepare_late, finish_late),
    description="Tell the worker you're running late",
    label="⏰ Running late",
    takes_argument=True,
)
LATE_NOTED = Capability(
    "late_noted",
    EVERYONE - {Role.CARER.value, Role.SOCIAL_WORKER.value},
    ButtonFamily(NOTED_PREFIX, press_noted),
)
