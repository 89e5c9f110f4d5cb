"""The *All OK* button on a welfare check-in: in time it is recorded, too late it says so."""

from __future__ import annotations

from conversations.registry import ButtonFamily, Call, Capability
from handlers.sessions import WELFARE_PREFIX, WelfareAnswer, answer_welfare_check
from storage.models import Role

UNKNOWN = "That button doesn't match a welfare check I know; send /today to see your sessions."
NOT_THE_WORKER = "Only the session's worker can answer its welfare check."


async def press_all_ok(call: Call, data: str) -> str:
    """Record *All OK*; once the alert is raised, say so: the alert stands until resolved."""
    answered = await answer_welfare_check(call.uow, worker=call.person, data=data, ctx=call.ctx)
    at = f"{call.ctx.local(answered.at):%H:%M}" if answered.at else ""
    if answered.outcome in (WelfareAnswer.UNKNOWN, WelfareAnswer.NOT_WORKER):
        text = UNKNOWN if answered.outcome is WelfareAnswer.UNKNOWN else NOT_THE_WORKER
        await call.reply.answer_button_and_say(text)
        return f"welfare_{answered.outcome}"
    if answered.outcome is WelfareAnswer.ALERT_RAISED:
        text = (
            f"Too late for this check: an alert was raised at {at} and stays open until the "
            "person handling it resolves it, so please tell them you're OK."
        )
        await call.reply.answer_button_and_say(text)
        return "welfare_too_late"
    if answered.outcome is WelfareAnswer.CLOSED:
        text = "This welfare check has closed: the session was ended, so nothing more is needed."
        await call.reply.answer_button_and_say(text)
        return "welfare_closed"
    await call.reply.answer_button("Thanks." if answered.outcome is WelfareAnswer.OK else None)
    await call.reply.edit_pressed(f"{answered.question}\n✔ All OK at {at}.")
    return f"welfare_{answered.outcome}"


WELFARE_CHECK = Capability(
    "welfare_check",
    frozenset({Role.WORKER.value, Role.SENIOR.value}),
    ButtonFamily(WELFARE_PREFIX, press_all_ok),
)
