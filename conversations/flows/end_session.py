"""The worker ends a session: which (preselected) → on time or early → why; risk of harm
offers to raise an alert about it at once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.engine import FINISH, Choose, Data, Flow, FreeText, Option, Step
from conversations.flows.alert import ALERT
from conversations.flows.session_choice import chosen_session_label, session_options
from conversations.registry import Capability, Done, FlowSpec
from handlers.delivery.start_buttons import start_button
from handlers.reports import (
    REPORT_START,
)
from handlers.service.context import ServiceContext
from handlers.sessions import (
    END_NOTE_MAX_LENGTH,
    END_REASONS,
    END_START,
    EndKind,
    EndReason,
    NotYourSessionNow,
    SessionEnded,
    early_end_words,
    end_session,
    sessions_to_end,
)
from storage.models import Person, Role


def _how(_: Data) -> Sequence[Option]:
    return (Option(EndKind.ON_TIME.value, "✅ On time"), Option(EndKind.EARLY.value, "⏹ Early"))


def _reasons(_: Data) -> Sequence[Option]:
    return [Option(reason.value, label) for reason, label in END_REASONS.items()]


END = Flow(
    name=END_START,
    title="ending a session",
    steps=(
        Step(
            name="session",
            ask=lambda _: "Which session are you ending?",
            expects=Choose(session_options, skip_when_single=True),
            save_as="session",
        ),
        Step(
            name="how",
            ask=lambda d: f"🏁 Ending session {chosen_session_label(d)}. How did it end?",
            expects=Choose(_how),
            save_as="how",
            next=lambda d: "reason" if d["how"] == EndKind.EARLY.value else FINISH,
        ),
        Step(
            name="reason",
            ask=lambda _: "Why did it end early?",
            expects=Choose(_reasons),
            save_as="reason",
            next=lambda d: "detail" if d["reason"] == EndReason.OTHER.value else FINISH,
        ),
        Step(
            name="detail",
            ask=lambda _: "In a few words, why? (no names)",
            expects=FreeText(max_length=END_NOTE_MAX_LENGTH),
            save_as="detail",
        ),
    ),
)


async def prepare_end(
    uow: AsyncSession, person: Person, ctx: ServiceContext, argument: str | None
) -> dict[str, Any] | str:
    """The worker's sessions now not ended yet (only the one a button names), or why not."""
    found = await sessions_to_end(uow, person.id, ctx)
    if argument is not None:
        found = [s for s in found if str(s.id) == argument]
        if not found:
            return "That isn't one of your sessions running now, or it has been ended already."
    if not found:
        return "You have no session running now to end."
    return {
        "sessions": [
            # with its booked end, so "on time" or "early" is plain from the question
            [str(s.id), f"{s.ref} {ctx.local(s.starts_at):%H:%M}–{ctx.local(s.ends_at):%H:%M}"]
            for s in found
        ]
    }


async def finish_end(
    uow: AsyncSession, person: Person, data: dict[str, Any], ctx: ServiceContext
) -> str | Done:
    """Mark it ended; for risk of harm, offer the alert for that session."""
    kind = EndKind(data["how"])
    reason = EndReason(data["reason"]) if kind is EndKind.EARLY else None
    try:
        ended = await end_session(
            uow,
            worker=person,
            session_id=int(data["session"]),
            kind=kind,
            reason=reason,
            note=str(data["detail"]) if reason is EndReason.OTHER else None,
            ctx=ctx,
        )
    except (NotYourSessionNow, SessionEnded):
        return "That session was ended already or isn't running now, so nothing changed."
    at = f"{ctx.local(ended.ended_at or ctx.now()):%H:%M}"
    review = (start_button("📝 Review the report", REPORT_START, str(ended.id)),)
    if reason is None:
        return Done(f"🏁 Session {ended.ref} ended on time at {at}.", (review,))
    why = early_end_words(ended)
    text = f"🏁 Session {ended.ref} ended early at {at}: {why[:1].lower()}{why[1:]}."
    if reason is not EndReason.RISK_OF_HARM:
        return Done(text, (review,))
    return Done(
        f"{text}\nIf a child is at risk, raise an alert now.",
        (
            (start_button(f"🚨 Raise an alert about {ended.ref}", ALERT.name, str(ended.id)),),
            review,
        ),
    )


END_SESSION = Capability(
    END.name,
    frozenset({Role.WORKER.value}),
    FlowSpec(END, prepare_end, finish_end),
    description="End the session you're in (on time or early)",
    takes_argument=True,
)
