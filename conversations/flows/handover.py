"""The carer's handover card: which session, marks, feed and nappy, health and mood, medicine.

The common answers are one tap (*All fine*); a card already sent for the session is named
before the first question, and the new one goes as an update to it. A mark or bruise on a child
who can't get about on their own is also raised as a safeguarding alert here, the one place
that may use both the carers' side and the alert side.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.engine import Choose, Data, Flow, FreeText, Option, Step, confirm_step
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
from handlers.alerts import raise_carer_concern
from handlers.service.context import ServiceContext
from handlers.service.labels import within_days
from handlers.sessions import (
    HANDOVER_START,
    READ_PREFIX,
    HandoverAnswers,
    Read,
    SessionNotOpen,
    cards_already_sent,
    carer_when,
    children_of_carer,
    mark_handover_read,
    sessions_for_handover,
    submit_handover,
)
from storage.models import Person, Role

NONE, NOT_NEEDED, AS_USUAL, WELL = "none", "not-needed", "as-usual", "well"
SHORT_ANSWERS = {
    NONE: "none",
    NOT_NEEDED: "not needed",
    AS_USUAL: "fed and changed as usual",
    WELL: "well, nothing to report",
}

# A typed answer that plainly says there are none is not a mark to raise an alert about.
_NO_MARKS = frozenset(
    {"no", "none", "nope", "nothing", "nil", "n/a", "no marks", "no bruises", "no marks or bruises"}
)


def _is_marked(answer: str) -> bool:
    said = " ".join(answer.lower().replace(",", " ").strip(" .!").split())
    return answer != NONE and said not in _NO_MARKS


def _children(data: Data) -> str:
    return str(data["children"].get(data.get("session"), "the children"))


def _how_are_children(data: Data) -> str:
    """'How is A.B.' for one child, 'How are A.B., D.E.' for more."""
    children = _children(data)
    verb = "are" if "," in children or children == "the children" else "is"
    return f"How {verb} {children}"


def _answer(data: Data, name: str) -> str:
    value = str(data[name])
    return SHORT_ANSWERS.get(value, value)


def _ask_marks(data: Data) -> str:
    """The first question names the session and children, and any card already sent for it."""
    lines = [f"📝 Handover card for {chosen_session_label(data)}"]
    sent_at = _sent_at(data)
    if sent_at:
        lines.append(
            f"⚠ A handover card for this session was already sent at {sent_at}. What you send "
            "now goes to the worker as an update: it adds to that card, and where an answer "
            "differs it replaces it."
        )
    lines.append(
        f"Are there any marks or bruises on {_children(data)} already? Say where and how they "
        "happened, so the worker can explain them to the parent."
    )
    return "\n\n".join(lines)


def _sent_at(data: Data) -> str | None:
    """When a card was already sent for the chosen session, if one was."""
    sent_at = data.get("sent", {}).get(data.get("session"))
    return str(sent_at) if sent_at else None


def _summary(data: Data) -> str:
    # The session and its children first: after a change of session the carer can see which
    # child the answers are now about, and whether this card updates one already sent.
    sent_at = _sent_at(data)
    return "\n".join(
        [
            "Please check and send:",
            f"Session: {chosen_session_label(data)}",
            *([f"⚠ This updates the card already sent at {sent_at}."] if sent_at else []),
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
            ask=_ask_marks,
            expects=FreeText(
                max_length=500,
                example="small bruise on the left knee, fell at nursery",
                shortcuts=(Option(NONE, "✅ All fine: no marks or bruises"),),
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
                shortcuts=(
                    Option(AS_USUAL, "✅ All fine: fed and changed as usual"),
                    Option(NOT_NEEDED, "Not needed (older child)"),
                ),
            ),
            save_as="care",
            label="Last feed and nappy",
        ),
        Step(
            name="wellbeing",
            ask=lambda d: f"{_how_are_children(d)} today: health, mood, how the day has been?",
            expects=FreeText(
                max_length=500,
                example="happy, slept well, a bit of a cold",
                shortcuts=(Option(WELL, "✅ All fine: well, nothing to report"),),
            ),
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
    """The carer's sessions in the configured window as choices, or why there is nothing to
    fill in."""
    sessions = await sessions_for_handover(uow, person.id, ctx)
    mine = {child.id for child in await children_of_carer(uow, person.id)}
    if not sessions:
        return (
            f"I can't find a session {within_days(ctx.config.handover.lookahead_days)} for the "
            "children you look after. If that's wrong, please phone the office on "
            f"{ctx.config.contacts.office_phone}."
        )
    children = {str(booked.id): carers_children(booked, mine) for booked in sessions}
    options = [
        [str(booked.id), f"{carer_when(booked, ctx)} · {children[str(booked.id)]}"]
        for booked in sessions
    ]
    sent = await cards_already_sent(uow, [booked.id for booked in sessions])
    sent_at = {str(key): f"{ctx.local(card.submitted_at):%H:%M}" for key, card in sent.items()}
    return {"sessions": options, "children": children, "sent": sent_at}


async def finish_handover(
    uow: AsyncSession, person: Person, data: dict[str, Any], ctx: ServiceContext
) -> str:
    """Send the card; a mark on a child not independently mobile also raises an alert."""
    answers = HandoverAnswers(
        marks=_answer(data, "marks"),
        care=_answer(data, "care"),
        wellbeing=_answer(data, "wellbeing"),
        medication=_answer(data, "medication"),
        is_marked=_is_marked(str(data["marks"])),
    )
    try:
        sent = await submit_handover(
            uow, carer=person, session_id=int(data["session"]), answers=answers, ctx=ctx
        )
    except SessionNotOpen:
        return NothingSent(
            "That session has ended or was cancelled, so the card wasn't sent. Please tell "
            f"the team on arrival, or phone {ctx.config.contacts.office_phone}."
        )
    if not sent.marked_not_mobile:
        return SeenAtOnce(sent.reply) if sent.is_worker_told else sent.reply
    children = ", ".join(sent.marked_not_mobile)
    _, pinged = await raise_carer_concern(
        uow,
        person,
        session_id=sent.session_id,
        note=(
            f"Handover card: a mark or bruise on {children}, not independently mobile. "
            f"The carer says: {answers.marks}"
        ),
        ctx=ctx,
    )
    if not pinged:
        return (
            f"{sent.reply}\n\nA mark or bruise on a child who can't get about on their own must "
            "be looked at by the safeguarding lead, and I couldn't reach them just now: please "
            f"phone the office on {ctx.config.contacts.office_phone}."
        )
    return (
        f"{sent.reply}\n\nBecause a mark or bruise on a child who can't get about on their own "
        "must always be looked at, I've passed what you said to the safeguarding lead."
    )


_REFUSALS = {
    Read.ALREADY: "The carer already knows you've read this card.",
    Read.UNKNOWN: "That button doesn't match a handover card for a session of yours.",
}


async def press_read(call: Call, data: str) -> str:
    """Read on the worker's copy: the carer is told; the copy loses its button."""
    read = await mark_handover_read(call.uow, person=call.person, data=data, ctx=call.ctx)
    if read.outcome is not Read.DONE:
        await call.reply.answer_button_and_say(_REFUSALS[read.outcome])
        return f"handover_read_{read.outcome}"
    await call.reply.answer_button("The carer has been told you've read it.")
    if read.card:
        await call.reply.edit_pressed(read.card)
    return "handover_read"


HANDOVER_CARD = Capability(
    HANDOVER.name,
    frozenset({Role.CARER.value}),
    FlowSpec(HANDOVER, prepare_handover, finish_handover),
    description="Fill in the handover card for a session",
    label="📝 Handover card",
)
HANDOVER_READ = Capability(
    "handover_read",
    EVERYONE - {Role.CARER.value, Role.SOCIAL_WORKER.value},
    ButtonFamily(READ_PREFIX, press_read),
)
