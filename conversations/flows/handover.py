"""The carer's handover card: which session, marks, feed and nappy, health and mood, medicine."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.engine import Choose, Data, Flow, FreeText, Option, Step, confirm_step
from conversations.flows.session_choice import (
    carers_children,
    chosen_session_label,
    session_options,
)
from conversations.registry import Capability, FlowSpec
from handlers.service.context import ServiceContext
from handlers.sessions import (
    HANDOVER_START,
    HandoverAnswers,
    SessionNotOpen,
    children_of_carer,
    sessions_for_handover,
    submit_handover,
)
from storage.models import Person, Role

NONE, NOT_NEEDED = "none", "not-needed"
SHORT_ANSWERS = {NONE: "none", NOT_NEEDED: "not needed"}


def _children(data: Data) -> str:
    return str(data["children"].get(data.get("session"), "the children"))


def _answer(data: Data, name: str) -> str:
    value = str(data[name])
    return SHORT_ANSWERS.get(value, value)


def _summary(data: Data) -> str:
    # The session and its children first: after a change of session the carer can see which
    # child the answers are now about.
    return "\n".join(
        [
            "Please check and send:",
            f"Session: {chosen_session_label(data)}",
            f"Marks or bruises: {_answer(data, 'marks')}",
            f"Last feed and nappy: {_answer(data, 'care')}",
            f"Health and mood: {_answer(data, 'wellbeing')}",
            f"Medicine: {_answer(data, 'medication')}",
        ]
    )


HANDOVER = Flow(
    name=HANDOVER_START,
    title="the handover card",
    steps=(
        Step(
            name="session",
            ask=lambda _: "Which session is this handover card for?",
            expects=Choose(session_options, skip_when_single=True),
            save_as="session",
            label="Session",
        ),
        Step(
            name="marks",
            ask=lambda d: (
                f"Are there any marks or bruises on {_children(d)} already? Say where and how "
                "they happened, so the worker can explain them to the parent."
            ),
            expects=FreeText(
                max_length=500,
                example="small bruise on the left knee, fell at nursery",
                shortcuts=(Option(NONE, "No marks or bruises"),),
            ),
            save_as="marks",
            label="Marks or bruises",
        ),
        Step(
            name="care",
            ask=lambda _: "When was the last bottle or meal, and the last nappy change?",
            expects=FreeText(
                max_length=300,
                example="bottle 8:30, nappy 9:15",
                shortcuts=(Option(NOT_NEEDED, "Not needed (older child)"),),
            ),
            save_as="care",
            label="Last feed and nappy",
        ),
        Step(
            name="wellbeing",
            ask=lambda d: f"How are {_children(d)} today: health, mood, how the day has been?",
            expects=FreeText(max_length=500, example="happy, slept well, a bit of a cold"),
            save_as="wellbeing",
            label="Health and mood",
        ),
        Step(
            name="medication",
            ask=lambda _: (
                "Is there any medicine the worker needs to give? Say what, how much and when."
            ),
            expects=FreeText(
                max_length=500,
                example="Calpol 5 ml at 11:00 if the temperature is back",
                shortcuts=(Option(NONE, "No medicine"),),
            ),
            save_as="medication",
            label="Medicine",
        ),
        confirm_step(_summary, send_label="✅ Send to the worker"),
    ),
)


async def prepare_handover(
    uow: AsyncSession, person: Person, ctx: ServiceContext, argument: str | None
) -> dict[str, Any] | str:
    """The carer's sessions today and tomorrow as choices, or why there is nothing to fill in."""
    sessions = await sessions_for_handover(uow, person.id, ctx)
    mine = {child.id for child in await children_of_carer(uow, person.id)}
    if not sessions:
        return (
            "I can't find a session today or tomorrow for the children you look after. If "
            f"that's wrong, please phone the office on {ctx.config.contacts.office_phone}."
        )
    children = {str(booked.id): carers_children(booked, mine) for booked in sessions}
    options = [
        [str(booked.id), f"{ctx.show_time(booked.starts_at)} · {children[str(booked.id)]}"]
        for booked in sessions
    ]
    return {"sessions": options, "children": children}


async def finish_handover(
    uow: AsyncSession, person: Person, data: dict[str, Any], ctx: ServiceContext
) -> str:
    """Hand the answers to the use case; its reply is what the carer reads."""
    answers = HandoverAnswers(
        marks=_answer(data, "marks"),
        care=_answer(data, "care"),
        wellbeing=_answer(data, "wellbeing"),
        medication=_answer(data, "medication"),
    )
    try:
        return await submit_handover(
            uow, carer=person, session_id=int(data["session"]), answers=answers, ctx=ctx
        )
    except SessionNotOpen:
        return (
            "That session has ended or was cancelled, so the card wasn't sent. Please tell "
            f"the team on arrival, or phone {ctx.config.contacts.office_phone}."
        )


HANDOVER_CARD = Capability(
    HANDOVER.name,
    frozenset({Role.CARER.value}),
    FlowSpec(HANDOVER, prepare_handover, finish_handover),
    description="Fill in the handover card for a session",
    label="📝 Handover card",
)
