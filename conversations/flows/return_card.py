"""The worker's return card after a session: who came, food, changes, sleep, mood, incident.

A session whose children live in different homes is offered once for each home (its children
by initials), so each card reaches only that home's carers.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.engine import Choose, Data, Flow, FreeText, Option, Step, confirm_step
from conversations.flows.session_choice import chosen_session_label, session_options
from conversations.registry import Capability, FlowSpec
from handlers.service.context import ServiceContext
from handlers.sessions import (
    RETURN_START,
    NotOneHome,
    NotYourRecentSession,
    ReturnAnswers,
    homes_of,
    send_return_card,
    sessions_for_return_card,
)
from storage.models import Person, Role

NOTHING, EVERYONE_CAME, NO_INCIDENT = "nothing", "everyone", "none"
NOTHING_TO_REPORT = Option(NOTHING, "Nothing to report")
SHORT_ANSWERS = {
    NOTHING: "nothing to report",
    EVERYONE_CAME: "everyone expected came",
    NO_INCIDENT: "none",
}
# A typed answer that plainly says there was none is no incident: nothing goes to the social worker.
_NO_INCIDENT_WORDS = frozenset(
    {"no", "none", "nope", "nothing", "nil", "n/a", "no incident", "no injury", "nothing to report"}
)


def _incident(value: str) -> str | None:
    said = " ".join(value.lower().replace(",", " ").strip(" .!").split())
    return None if value == NO_INCIDENT or said in _NO_INCIDENT_WORDS else value


def _answer(data: Data, name: str) -> str:
    value = str(data[name])
    return SHORT_ANSWERS.get(value, value)


def _short(example: str, *shortcuts: Option, max_length: int = 300) -> FreeText:
    """A short typed answer, or a tap for the common case."""
    return FreeText(max_length=max_length, example=example, shortcuts=shortcuts)


def _which_session(data: Data) -> str:
    if not data.get("shared"):
        return "Which session is this return card for?"
    return (
        "Which session is this return card for? Children of one session who live in different "
        "homes each get their own card: pick one home's children now, the other afterwards."
    )


def _summary(data: Data) -> str:
    return "\n".join(
        [
            "Please check and send to the carer:",
            f"Session: {chosen_session_label(data)}",
            f"Who came: {_answer(data, 'attended')}",
            f"Ate or drank: {_answer(data, 'food')}",
            f"Changes: {_answer(data, 'changes')}",
            f"Sleep: {_answer(data, 'sleep')}",
            f"Mood: {_answer(data, 'mood')}",
            f"Incident or injury: {_answer(data, 'incident')}",
        ]
    )


RETURN_CARD = Flow(
    name=RETURN_START,
    title="the return card",
    steps=(
        Step(
            name="session",
            ask=_which_session,
            expects=Choose(session_options, skip_when_single=True),
            save_as="session",
            label="Session",
        ),
        Step(
            name="attended",
            ask=lambda d: (
                f"📝 Return card for {chosen_session_label(d)}\n\nWho came to the session?"
            ),
            expects=_short("mum came, dad didn't", Option(EVERYONE_CAME, "✅ Everyone expected")),
            save_as="attended",
            label="Who came",
        ),
        Step(
            name="food",
            ask=lambda _: "What did the child eat or drink?",
            expects=_short("bottle at 10:30, half a banana", NOTHING_TO_REPORT),
            save_as="food",
            label="Ate or drank",
        ),
        Step(
            name="changes",
            ask=lambda _: "Any nappy changes or toilet trips?",
            expects=_short("nappy changed 11:00 (wet)", NOTHING_TO_REPORT),
            save_as="changes",
            label="Changes",
        ),
        Step(
            name="sleep",
            ask=lambda _: "Did the child sleep?",
            expects=_short("napped 20 minutes at 11:15", NOTHING_TO_REPORT),
            save_as="sleep",
            label="Sleep",
        ),
        Step(
            name="mood",
            ask=lambda _: "How was the child's mood?",
            expects=_short("happy, a little tired at the end", NOTHING_TO_REPORT),
            save_as="mood",
            label="Mood",
        ),
        Step(
            name="incident",
            ask=lambda _: (
                "Was there any incident or injury? Say what happened and what was done; it also "
                "goes to the child's social worker."
            ),
            expects=_short(
                "bumped head on the table at 11:20, cold compress, no mark",
                Option(NO_INCIDENT, "✅ No incident or injury"),
                max_length=500,
            ),
            save_as="incident",
            label="Incident or injury",
        ),
        confirm_step(_summary, send_label="✅ Send to the carer"),
    ),
)


async def prepare_return_card(
    uow: AsyncSession, person: Person, ctx: ServiceContext, argument: str | None
) -> dict[str, Any] | str:
    """The worker's sessions under way or ended recently (only the one a button names)."""
    sessions = await sessions_for_return_card(uow, person.id, ctx)
    if argument is not None:  # from a button: it must still be one of theirs
        sessions = [s for s in sessions if str(s.id) == argument]
        if not sessions:
            return (
                "That isn't one of your sessions from today or the last few days, so I can't "
                "send a return card for it. Send /returncard to pick one of yours."
            )
    if not sessions:
        return (
            "You have no session under way or ended in the last few days to send a return card for."
        )
    options: list[list[str]] = []
    homes: dict[str, list[int]] = {}
    for booked in sessions:
        when = f"{booked.ref} {ctx.show_time(booked.starts_at)} · "
        for number, home in enumerate(homes_of(booked)):
            key = f"{booked.id}:{number}"  # a button's key stays short; the ids stay here
            options.append([key, when + ", ".join(c.initials for c in home)])
            homes[key] = [c.id for c in home]
        if not booked.children:
            options.append([f"{booked.id}:0", when + "no children listed"])
    shared = [str(s.id) for s in sessions if len(homes_of(s)) > 1]
    return {"sessions": options, "homes": homes, "shared": shared}


def _other_homes(data: Data) -> str:
    """What the worker still has to do for the session's other homes, if any."""
    session_id = str(data["session"]).partition(":")[0]
    others = [
        label.partition(" · ")[2]
        for key, label in data["sessions"]
        if key.partition(":")[0] == session_id and key != data["session"]
    ]
    if not others:
        return ""
    return f" Send /returncard again for the other home's card ({' or '.join(others)})."


async def finish_return_card(
    uow: AsyncSession, person: Person, data: dict[str, Any], ctx: ServiceContext
) -> str:
    """Hand the answers to the use case; its reply is what the worker reads."""
    answers = ReturnAnswers(
        attended=_answer(data, "attended"),
        food=_answer(data, "food"),
        changes=_answer(data, "changes"),
        sleep=_answer(data, "sleep"),
        mood=_answer(data, "mood"),
        incident=_incident(str(data["incident"])),
    )
    session_id = str(data["session"]).partition(":")[0]
    child_ids = frozenset(data.get("homes", {}).get(str(data["session"]), []))
    try:
        sent = await send_return_card(
            uow,
            worker=person,
            session_id=int(session_id),
            child_ids=child_ids,
            answers=answers,
            ctx=ctx,
        )
    except NotOneHome:
        return (
            "The children's homes have changed since you started, so the return card wasn't "
            "sent; please send /returncard again and pick one home's children."
        )
    except NotYourRecentSession:
        return (
            "That session is no longer one of yours from the last few days, so the return card "
            f"wasn't sent; please phone the office on {ctx.config.contacts.office_phone}."
        )
    return sent + _other_homes(data)


SEND_RETURN_CARD = Capability(
    RETURN_CARD.name,
    frozenset({Role.WORKER.value}),
    FlowSpec(RETURN_CARD, prepare_return_card, finish_return_card),
    description="Send the carer a return card after a session",
    label="📝 Return card",
    takes_argument=True,
)
