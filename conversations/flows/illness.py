"""The carer's illness report: which child, is it catching, what's wrong, send."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.engine import Choose, Data, Flow, FreeText, Option, Step, confirm_step
from conversations.registry import Capability, FlowSpec
from handlers.service.context import ServiceContext
from handlers.sessions import (
    CONTAGIOUS_WORDS,
    NotYourChild,
    children_of_carer,
    report_illness,
)
from storage.models import Contagious, Person, Role


def _children(data: Data) -> Sequence[Option]:
    return [Option(key, label) for key, label in data["children"]]


def _initials(data: Data) -> str:
    chosen = data.get("child")
    return next((label for key, label in data["children"] if key == chosen), "the child")


def _contagious_options(_: Data) -> Sequence[Option]:
    return [Option(c.value, CONTAGIOUS_WORDS[c]) for c in Contagious]


def _summary(data: Data) -> str:
    return (
        "Please check and send:\n"
        f"Child: {_initials(data)}\n"
        f"Could be catching: {CONTAGIOUS_WORDS[Contagious(data['contagious'])]}\n"
        f"What's wrong: {data['description']}"
    )


ILLNESS = Flow(
    name="illness",
    title="reporting that a child is ill",
    steps=(
        Step(
            name="child",
            ask=lambda _: "Which child is ill?",
            expects=Choose(_children, skip_when_single=True),
            save_as="child",
            label="Child",
        ),
        Step(
            name="contagious",
            ask=lambda d: (
                f"Could {_initials(d)} pass it on to others "
                "(for example sickness, diarrhoea, chickenpox, a high temperature)?"
            ),
            expects=Choose(_contagious_options),
            save_as="contagious",
            label="Could be catching",
        ),
        Step(
            name="description",
            ask=lambda d: f"What's wrong with {_initials(d)}? A few words is enough.",
            expects=FreeText(max_length=500, example="temperature and a cough since last night"),
            save_as="description",
            label="What's wrong",
        ),
        confirm_step(_summary, send_label="✅ Send"),
    ),
)


async def prepare_illness(
    uow: AsyncSession, person: Person, ctx: ServiceContext, argument: str | None
) -> dict[str, Any] | str:
    """The carer's children as choices, or a sentence saying why the report can't start."""
    children = await children_of_carer(uow, person.id)
    if not children:
        return (
            "I can't find any children linked to you yet. Please phone the office on "
            f"{ctx.config.contacts.office_phone} to tell them the child is ill."
        )
    return {"children": [[str(c.id), c.initials] for c in children]}


async def finish_illness(
    uow: AsyncSession, person: Person, data: dict[str, Any], ctx: ServiceContext
) -> str:
    """Hand the answers to the use case; its reply is what the carer reads."""
    try:
        done = await report_illness(
            uow,
            carer=person,
            child_id=int(data["child"]),
            contagious=Contagious(data["contagious"]),
            description=str(data["description"]),
            ctx=ctx,
        )
    except NotYourChild:  # the team changed who looks after the child while this was open
        return (
            f"I couldn't send this: our records no longer show you as {_initials(data)}'s "
            f"carer. Please phone the office on {ctx.config.contacts.office_phone} to tell "
            "them the child is ill."
        )
    return done.reply


REPORT_ILLNESS = Capability(
    ILLNESS.name,
    frozenset({Role.CARER.value}),
    FlowSpec(ILLNESS, prepare_illness, finish_illness),
    description="Tell us a child is ill",
    label="🤒 Report a child is ill",
)
