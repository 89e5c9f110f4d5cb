"""A carer can't make a session: which one (or the reminder's), why, check and call it off."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.engine import Choose, Data, Flow, FreeText, Option, Step, confirm_step
from conversations.flows.session_choice import (
    carers_children,
    chosen_session_label,
    session_options,
)
from conversations.registry import Capability, FlowSpec, NothingSent
from handlers.service.context import ServiceContext
from handlers.sessions import (
    CANTCOME_START,
    CARER_REASONS,
    NOTE_MAX_LENGTH,
    NotCallable,
    cancel_for_carer,
    carer_when,
    children_of_carer,
    sessions_to_call_off,
)
from storage.models import CancelReason, Person, Role

_REASON_LABELS = {
    CancelReason.UNWELL: "🤒 Child unwell",
    CancelReason.TRANSPORT: "🚗 Transport problem",
    CancelReason.APPOINTMENT: "🩺 Child's appointment",
    CancelReason.REFUSED: "🙅 Child doesn't want to go",
    CancelReason.OTHER: "✍️ Something else",
}


def _reasons(_: Data) -> Sequence[Option]:
    return [Option(r.value, _REASON_LABELS[r]) for r in CARER_REASONS]


def _summary(data: Data) -> str:
    lines = [
        "Please check before I call it off:",
        f"Session: {chosen_session_label(data)}",
        f"Why: {_REASON_LABELS[CancelReason(data['reason'])]}",
    ]
    if data["reason"] == CancelReason.OTHER.value:
        lines.append(f"In your words: {data['note']}")
    lines.append("The worker, the Family Time team and the social worker will be told.")
    return "\n".join(lines)


CANTCOME = Flow(
    name=CANTCOME_START,
    title="calling off a session",
    steps=(
        Step(
            name="session",
            ask=lambda _: "Which session can't you make?",
            expects=Choose(session_options, skip_when_single=True),
            save_as="session",
            label="Session",
        ),
        Step(
            name="reason",
            ask=lambda d: f"Why can't the session at {chosen_session_label(d)} go ahead?",
            expects=Choose(_reasons),
            save_as="reason",
            next=lambda d: "note" if d["reason"] == CancelReason.OTHER.value else "confirm",
            label="Why",
        ),
        Step(
            name="note",
            ask=lambda _: "In a few words, why can't it go ahead?",
            expects=FreeText(max_length=NOTE_MAX_LENGTH, example="our car has broken down"),
            save_as="note",
            label="In your words",
        ),
        confirm_step(_summary, send_label="✅ Yes, call it off"),
    ),
)


async def prepare_cantcome(
    uow: AsyncSession, person: Person, ctx: ServiceContext, argument: str | None
) -> dict[str, Any] | str:
    """The carer's sessions still to come (only the one a reminder's button names), or why not."""
    sessions = await sessions_to_call_off(uow, person.id, ctx)
    if argument is not None:  # from a reminder: checked again, it must still be theirs to come
        sessions = [s for s in sessions if str(s.id) == argument]
        if not sessions:
            return (
                "That session has started, ended or was cancelled, so nothing was changed; send "
                "/cantcome if you can't make another session."
            )
    if not sessions:
        return (
            "I can't find a session coming up for the children you look after; if you can't "
            f"make one, please phone the office on {ctx.config.contacts.office_phone}."
        )
    mine = {child.id for child in await children_of_carer(uow, person.id)}
    options = [
        [str(s.id), f"{carer_when(s, ctx)} · {carers_children(s, mine)}"] for s in sessions
    ]
    return {"sessions": options}


async def finish_cantcome(
    uow: AsyncSession, person: Person, data: dict[str, Any], ctx: ServiceContext
) -> str:
    """Hand the answers to the use case; its reply is what the carer reads."""
    reason = CancelReason(data["reason"])
    try:
        return await cancel_for_carer(
            uow,
            carer=person,
            session_id=int(data["session"]),
            reason=reason,
            note=str(data["note"]) if reason is CancelReason.OTHER else None,
            ctx=ctx,
        )
    except NotCallable:
        return NothingSent(
            "That session has started or was cancelled meanwhile, so nothing was changed; "
            f"phone the office on {ctx.config.contacts.office_phone} if you need to."
        )


CANT_COME = Capability(
    CANTCOME.name,
    frozenset({Role.CARER.value}),
    FlowSpec(CANTCOME, prepare_cantcome, finish_cantcome),
    description="Call off a session you can't make",
    label="❌ Can't make it",
    takes_argument=True,
)
