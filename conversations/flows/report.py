"""The session report: the worker picks an ended session (preselected), reads the review and
taps *Submit*; with sign-off, a senior's *Send back* asks the reason here too."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.engine import Choose, Data, Flow, FreeText, Option, Step
from conversations.flows.notes import WORKERS
from conversations.flows.session_choice import session_options
from conversations.registry import Begin, ButtonFamily, Call, Capability, FlowSpec
from handlers.reports import (
    REPORT_SIGNERS,
    REPORT_START,
    SEND_BACK_REASON_MAX_LENGTH,
    SIGN_PREFIX,
    NotYourReport,
    SignOff,
    press_sign_off,
    review_report,
    send_back_report,
    sessions_to_report,
    submit_report,
)
from handlers.service.context import ServiceContext
from storage.models import Person

SUBMIT = "submit"
SEND_BACK_FLOW = "reportback"


def _submit(_: Data) -> Sequence[Option]:
    return (Option(SUBMIT, "📤 Submit"),)


REPORT = Flow(
    name=REPORT_START,
    title="the session report",
    steps=(
        Step(
            name="session",
            ask=lambda _: "Which session's report?",
            expects=Choose(session_options, skip_when_single=True),
            save_as="session",
        ),
        Step(
            name="review",
            ask=lambda d: (
                f"{d['summaries'][d['session']]}\n\nTap Submit to send it as a PDF to the "
                "social worker and the coordinators, or leave this form to come back to it later."
            ),
            expects=Choose(_submit),
            save_as="review",
        ),
    ),
)


async def prepare_report(
    uow: AsyncSession, person: Person, ctx: ServiceContext, argument: str | None
) -> dict[str, Any] | str:
    """The worker's ended sessions whose report isn't in yet (only the one a button names)."""
    found = await sessions_to_report(uow, person.id, ctx)
    if argument is not None:
        found = [s for s in found if str(s.id) == argument]
        if not found:
            return "That isn't one of your ended sessions with a report still to submit."
    if not found:
        return "You have no ended session with a report still to submit."
    return {
        "sessions": [[str(s.id), f"{s.ref} {ctx.show_time(s.starts_at)}"] for s in found],
        "summaries": {str(s.id): await review_report(uow, person.id, s.id, ctx) for s in found},
    }


async def refresh_report(
    uow: AsyncSession, person_id: int, ctx: ServiceContext, data: dict[str, Any]
) -> dict[str, Any]:
    """The reviews drawn again before each question: a note amended meanwhile shows."""
    summaries = dict(data["summaries"])
    for key in [data["session"]] if data.get("session") in summaries else list(summaries):
        with contextlib.suppress(NotYourReport):  # submitted meanwhile: finishing says so
            summaries[key] = await review_report(uow, person_id, int(key), ctx)
    return {**data, "summaries": summaries}


async def finish_report(
    uow: AsyncSession, person: Person, data: dict[str, Any], ctx: ServiceContext
) -> str:
    """Submit it: the PDF is made and sent (or asked to be signed off) by the scheduler."""
    try:
        done = await submit_report(uow, worker=person, session_id=int(data["session"]), ctx=ctx)
    except NotYourReport:
        return "That report was submitted already or is no longer yours, so nothing was sent."
    who = "a senior for sign-off" if done.needs_sign_off else "the social worker and coordinators"
    return f"📤 Report for session {done.ref} submitted: the PDF goes to {who} in a moment."


REPORT_SPEC = FlowSpec(REPORT, prepare_report, finish_report, refresh_report)
WRITE_REPORT = Capability(
    REPORT.name,
    WORKERS,
    REPORT_SPEC,
    description="Review and submit a session's report",
    takes_argument=True,
)
# An update that came to this submitted a report: the app then wakes the pass making its PDF.
REPORT_SUBMITTED = REPORT_SPEC.done_outcome


_SIGN_OFF_REFUSALS = {
    SignOff.UNKNOWN: "That button doesn't match a report sent to you for sign-off.",
    SignOff.STALE: "The worker has submitted {ref} again since: use the newest message.",
}

SEND_BACK = Flow(
    name=SEND_BACK_FLOW,
    title="sending a report back",
    steps=(
        Step(
            name="reason",
            ask=lambda d: f"↩ Sending back the report for {d['ref']}: what should change?",
            expects=FreeText(max_length=SEND_BACK_REASON_MAX_LENGTH),
            save_as="reason",
        ),
    ),
)


async def prepare_send_back(
    uow: AsyncSession, person: Person, ctx: ServiceContext, argument: str | None
) -> dict[str, Any] | str:
    """Sending back starts from a report's button, not from a command."""
    return "To send a report back, tap ↩ Send back on its message."


async def finish_send_back(
    uow: AsyncSession, person: Person, data: dict[str, Any], ctx: ServiceContext
) -> str:
    """Return it to the worker with the reason, unless someone decided meanwhile."""
    done = await send_back_report(
        uow,
        person=person,
        report_id=int(data["report"]),
        version=int(data["version"]),
        reason=str(data["reason"]),
        ctx=ctx,
    )
    if done.outcome is SignOff.SENT_BACK:
        return f"↩ Report for {done.ref} sent back; the worker has your reason."
    return _SIGN_OFF_REFUSALS.get(done.outcome, "{who} has already decided about {ref}.").format(
        who=done.text, ref=f"the report for {done.ref}"
    )


SEND_BACK_REPORT = Capability(
    SEND_BACK.name, REPORT_SIGNERS, FlowSpec(SEND_BACK, prepare_send_back, finish_send_back)
)


async def press_report_sign_off(call: Call, data: str) -> str | Begin:
    """Approve or Send back on a report: the first decision wins."""
    done = await press_sign_off(call.uow, person=call.person, data=data, ctx=call.ctx)
    if done.outcome is SignOff.ASK_REASON:
        await call.reply.answer_button()
        return Begin(
            SEND_BACK.name, {"report": done.report_id, "version": done.version, "ref": done.ref}
        )
    if done.outcome is SignOff.APPROVED:
        await call.reply.answer_button("Approved: the report is on its way.")
        await call.reply.edit_pressed(done.text)
        return "report_approved"
    refusal = _SIGN_OFF_REFUSALS.get(done.outcome, "{who} has already decided about {ref}.")
    refusal = refusal.format(who=done.text, ref=f"the report for {done.ref}")
    await call.reply.answer_button_and_say(refusal)
    return f"report_sign_off_{done.outcome}"


REPORT_SIGN_OFF = Capability(
    "report_sign_off", REPORT_SIGNERS, ButtonFamily(SIGN_PREFIX, press_report_sign_off)
)
