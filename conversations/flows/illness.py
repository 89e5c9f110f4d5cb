"""The carer's illness report: which child, is it catching, what's wrong, send."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.engine import Choose, Data, Flow, FreeText, Option, Step, confirm_step
from conversations.registry import ButtonFamily, Call, Capability, FlowSpec, NothingSent
from handlers.service.context import ServiceContext
from handlers.sessions import (
    CONTAGIOUS_WORDS,
    DECIDE_PREFIX,
    Decision,
    NotYourChild,
    carer_when,
    children_of_carer,
    decide_illness,
    report_illness,
    sessions_it_may_affect,
)
from storage.models import Contagious, Person, Role

LISTED_SESSIONS = 6  # at most this many of the child's sessions are offered
NO_SESSIONS = "0"


def _children(data: Data) -> Sequence[Option]:
    return [Option(key, label) for key, label in data["children"]]


def _initials(data: Data) -> str:
    chosen = data.get("child")
    return next((label for key, label in data["children"] if key == chosen), "the child")


def _listed(data: Data) -> list[list[str]]:
    listed: list[list[str]] = data.get("child_sessions", {}).get(data.get("child"), [])
    return listed


def _affects(data: Data) -> Sequence[Option]:
    """How many of the child's next sessions it affects: the first, the next few, all, none."""
    listed = _listed(data)
    if not listed:
        return [Option(NO_SESSIONS, "No sessions coming up")]
    options = [Option("1", f"Only {listed[0][1]}" if len(listed) > 1 else listed[0][1])]
    for count in range(2, len(listed) + 1):
        which = f"All {count}" if count == len(listed) else f"The next {count}"
        options.append(Option(str(count), f"{which}: {listed[0][1]} to {listed[count - 1][1]}"))
    return [*options, Option(NO_SESSIONS, "None of them")]


def _affects_words(data: Data) -> str:
    return next((o.label for o in _affects(data) if o.key == data.get("affects")), "None")


def _contagious_options(_: Data) -> Sequence[Option]:
    return [Option(c.value, CONTAGIOUS_WORDS[c]) for c in Contagious]


def _summary(data: Data) -> str:
    return (
        "Please check and send:\n"
        f"Child: {_initials(data)}\n"
        f"Sessions it affects: {_affects_words(data)}\n"
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
            name="affects",
            ask=lambda d: f"Which of {_initials(d)}'s sessions coming up could this affect?",
            expects=Choose(_affects, skip_when_single=True),
            save_as="affects",
            label="Sessions",
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
    child_sessions = {
        str(c.id): [
            [str(s.id), carer_when(s, ctx)]
            for s in (await sessions_it_may_affect(uow, c.id, ctx))[:LISTED_SESSIONS]
        ]
        for c in children
    }
    return {
        "children": [[str(c.id), c.initials] for c in children],
        "child_sessions": child_sessions,
    }


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
            affected_session_ids=[
                int(key) for key, _ in _listed(data)[: int(data.get("affects", NO_SESSIONS))]
            ],
        )
    except NotYourChild:  # the team changed who looks after the child while this was open
        return NothingSent(
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


_DECIDE_REFUSALS = {
    Decision.UNKNOWN: "That button doesn't match an illness report sent to you.",
}


async def press_decide(call: Call, data: str) -> str:
    """Keep or Cancel on a "not sure" illness report: the first press wins."""
    decided = await decide_illness(call.uow, person=call.person, data=data, ctx=call.ctx)
    if decided.outcome is not Decision.DONE:
        refusal = _DECIDE_REFUSALS.get(
            decided.outcome, f"{decided.text} has already decided about this report."
        )
        await call.reply.answer_button_and_say(refusal)
        return f"illness_decide_{decided.outcome}"
    await call.reply.answer_button("Done: the carer has been told.")
    await call.reply.edit_pressed(decided.text)
    return "illness_decided"


DECIDE_ILLNESS = Capability(
    "illness_decide",
    frozenset({Role.SENIOR.value, Role.MANAGER.value, Role.COORDINATOR.value}),
    ButtonFamily(DECIDE_PREFIX, press_decide),
)
