"""/mysessions: a carer's children's sessions coming up, and a calendar file of them."""

from __future__ import annotations

from conversations.registry import Call, Capability, Command
from handlers.sessions import (
    MY_CALENDAR_START,
    MY_SESSIONS_START,
    carers_sessions_ahead,
    my_calendar_file,
    my_sessions_reply,
)
from storage.models import Role


async def show_my_sessions(call: Call) -> str:
    """The list, each with day, time, place, status and the worker's first name."""
    views = await carers_sessions_ahead(call.uow, call.person, call.ctx)
    text, keyboard = my_sessions_reply(views, call.ctx)
    await call.reply.say(text, keyboard, protect=True)
    return "my_sessions"


async def send_my_calendar(call: Call) -> str:
    """The sessions going ahead as an .ics file, to add to the phone's calendar."""
    views = await carers_sessions_ahead(call.uow, call.person, call.ctx)
    made = my_calendar_file(views, call.ctx)
    if isinstance(made, str):
        await call.reply.say(made)
        return "my_calendar_empty"
    await call.reply.send_file(made)  # not protected: the phone must be able to open it
    return "my_calendar"


MY_SESSIONS = Capability(
    MY_SESSIONS_START,
    frozenset({Role.CARER.value}),
    Command(show_my_sessions),
    description="Your children's sessions coming up",
    label="🗓 My sessions",
)
MY_CALENDAR = Capability(
    MY_CALENDAR_START,
    frozenset({Role.CARER.value}),
    Command(send_my_calendar),
)
