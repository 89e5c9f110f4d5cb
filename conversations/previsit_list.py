"""The staff's list of pre-visits to come (/previsits), with what each carer told us."""

from __future__ import annotations

from conversations.registry import Call, Capability, Command
from handlers.sessions import list_upcoming_previsits
from storage.models import Role


async def show_previsits(call: Call) -> str:
    """Pre-visits still to come, soonest first; child data, so protected from forwarding."""
    await call.reply.say(await list_upcoming_previsits(call.uow, call.ctx), protect=True)
    return "previsits_listed"


UPCOMING_PREVISITS = Capability(
    "previsits",
    frozenset({Role.COORDINATOR.value, Role.SENIOR.value, Role.MANAGER.value}),
    Command(show_previsits),
    description="Pre-visits booked",
)
