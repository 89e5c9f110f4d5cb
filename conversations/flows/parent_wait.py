"""The 15-minute question's buttons: Cancel calls the session off; Wait asks why, records it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.engine import Flow, FreeText, Option, Step
from conversations.registry import Begin, ButtonFamily, Call, Capability, FlowSpec
from handlers.service.context import ServiceContext
from handlers.sessions import (
    PARENT_PREFIX,
    PARENT_WAIT_START,
    WAIT_NOTE_MAX_LENGTH,
    ParentAnswer,
    answer_parent_question,
    record_wait,
)
from storage.models import Person, Role

SKIP_NOTE = "skip"

PARENT_WAIT = Flow(
    name=PARENT_WAIT_START,
    title="waiting for the parent",
    steps=(
        Step(
            name="why",
            ask=lambda d: (
                f"You're waiting for the parent at session {d['ref']}. In a few words, why? "
                "(optional)"
            ),
            expects=FreeText(
                max_length=WAIT_NOTE_MAX_LENGTH,
                example="they phoned, stuck in traffic, 5 minutes away",
                shortcuts=(Option(SKIP_NOTE, "Skip"),),
            ),
            save_as="why",
        ),
    ),
    asks_to_resume=False,
)


async def prepare_wait(
    uow: AsyncSession, person: Person, ctx: ServiceContext, argument: str | None
) -> dict[str, Any] | str:
    """Waiting starts from the question's Wait button, not from a command."""
    return "To wait for a parent, tap ⏳ Wait on the question about them."


async def finish_wait(
    uow: AsyncSession, person: Person, data: dict[str, Any], ctx: ServiceContext
) -> str:
    """Put the wait on the session's timeline, with the words if any."""
    note = None if data["why"] == SKIP_NOTE else str(data["why"])
    waited = await record_wait(
        uow, worker=person, session_id=int(data["session"]), note=note, ctx=ctx
    )
    at = f"{ctx.local(waited.at):%H:%M}" if waited.at else ""
    if waited.outcome is ParentAnswer.WAIT:
        return f"⏳ Noted at {at}: you're waiting for the parent (session {data['ref']})."
    if waited.outcome is ParentAnswer.ALREADY_WAITING:
        return f"You already chose to wait at {at} (session {data['ref']})."
    return f"Session {data['ref']} is no longer going ahead with you, so nothing was recorded."


_REFUSALS = {
    ParentAnswer.UNKNOWN: "That button doesn't match a session I know; send /today to see yours.",
    ParentAnswer.NOT_WORKER: "Only the session's worker can answer this question.",
}


async def press_parent(call: Call, data: str) -> str | Begin:
    """Cancel or Wait on "Parent not here"; the question loses its buttons once answered."""
    answered = await answer_parent_question(call.uow, worker=call.person, data=data, ctx=call.ctx)
    booked = answered.booked
    at = f"{call.ctx.local(answered.at):%H:%M}" if answered.at else ""
    if answered.outcome in _REFUSALS or booked is None:
        text = _REFUSALS.get(answered.outcome, _REFUSALS[ParentAnswer.UNKNOWN])
        await call.reply.answer_button_and_say(text)
        return f"parent_{answered.outcome}"
    if answered.outcome is ParentAnswer.NOT_SCHEDULED:
        text = f"Session {booked.ref} is no longer going ahead (cancelled or over)."
        await call.reply.answer_button_and_say(text)
        return "parent_not_scheduled"
    await call.reply.answer_button()
    if answered.outcome is ParentAnswer.PARENT_HERE:
        await call.reply.edit_pressed(f"{answered.question}\n✔ Parent arrived at {at}.")
        return "parent_here"
    if answered.outcome is ParentAnswer.ALREADY_WAITING:
        await call.reply.edit_pressed(f"{answered.question}\n⏳ You chose to wait at {at}.")
        return "parent_already_waiting"
    if answered.outcome is ParentAnswer.WAIT:
        await call.reply.edit_pressed(f"{answered.question}\n⏳ Waiting.")
        return Begin(PARENT_WAIT.name, {"session": booked.id, "ref": booked.ref})
    await call.reply.edit_pressed(f"{answered.question}\n❌ Cancelled at {at}.")
    await call.reply.say(
        f"❌ Session {booked.ref} is cancelled: the parent didn't arrive in time. I've told the "
        "carer, the social worker and the Family Time team."
    )
    return "parent_cancelled"


WAIT_FOR_PARENT = Capability(
    PARENT_WAIT.name,
    frozenset({Role.WORKER.value, Role.SENIOR.value}),
    FlowSpec(PARENT_WAIT, prepare_wait, finish_wait),
)
PARENT_QUESTION = Capability(
    "parent_question",
    frozenset({Role.WORKER.value, Role.SENIOR.value}),
    ButtonFamily(PARENT_PREFIX, press_parent),
)
