"""/today for a worker, and the buttons on it: Details and one tap per mark."""

from __future__ import annotations

from conversations.registry import ButtonFamily, Call, Capability, Command
from handlers.sessions import (
    MARK_WORDS,
    NEEDS_FIRST,
    TODAY_PREFIX,
    TODAY_START,
    Mark,
    details_text,
    mark_session,
    may_see_details,
    parse_today,
    session_for_tap,
    worker_day,
)
from storage.models import Role

UNKNOWN = "That button doesn't match a session I know; send /today to see your sessions."
NOT_FOR_DETAILS = "Only the session's worker, the coordinators and seniors can see its details."
NOT_THE_WORKER = "Only the session's worker can mark arrivals for it; send /today to see yours."


async def show_today(call: Call) -> str:
    """One message per session today, with its buttons; protected, it names children."""
    cards = await worker_day(call.uow, call.person, call.ctx)
    if not cards:
        await call.reply.say("You have no sessions today.")
        return "today_none"
    for text, keyboard in cards:
        await call.reply.say(text, keyboard, protect=True)
    return "today"


async def press_today(call: Call, data: str) -> str:
    """Details (needs and risks, to those who may see them) or a mark on the timeline."""
    tap = parse_today(data)
    booked = await session_for_tap(call.uow, tap.session_id) if tap is not None else None
    if tap is None or booked is None:
        return await _refuse(call, UNKNOWN, "today_unknown")
    if tap.mark is None:
        if not may_see_details(call.person, booked):
            return await _refuse(call, NOT_FOR_DETAILS, "today_details_refused")
        await call.reply.answer_button()
        await call.reply.say(details_text(booked, call.ctx), protect=True)
        return "today_details"
    marked = await mark_session(
        call.uow, worker=call.person, booked=booked, kind=tap.mark, ctx=call.ctx
    )
    words = MARK_WORDS[tap.mark]
    at = f"{call.ctx.local(marked.at):%H:%M}" if marked.at else ""
    if marked.outcome is Mark.NOT_WORKER:
        return await _refuse(call, NOT_THE_WORKER, "today_mark_refused")
    if marked.outcome is Mark.CANCELLED:
        text = f"Session {booked.ref} is cancelled, so there is nothing to mark."
        return await _refuse(call, text, "today_mark_cancelled")
    if marked.outcome is Mark.ALREADY:
        text = f"{words} was already marked at {at} (session {booked.ref})."
        return await _refuse(call, text, "today_mark_already")
    if marked.outcome is Mark.TOO_SOON:
        first = MARK_WORDS[NEEDS_FIRST[tap.mark]]
        text = f"{first} isn't marked yet (session {booked.ref}): tap {first} first, then {words}."
        return await _refuse(call, text, "today_mark_too_soon")
    await call.reply.answer_button("Marked.")
    told = " The carer is told they can come in now." if marked.carers_told else ""
    await call.reply.say(f"✔ {words}: marked at {at} (session {booked.ref}).{told}")
    return "today_marked"


async def _refuse(call: Call, text: str, outcome: str) -> str:
    await call.reply.answer_button_and_say(text)
    return outcome


TODAY = Capability(
    TODAY_START,
    frozenset({Role.WORKER.value, Role.SENIOR.value}),
    Command(show_today),
    description="Your sessions today: what to know, and arrivals",
    label="📋 Today",
)
TODAY_BUTTONS = Capability(
    "today_buttons",
    frozenset({Role.WORKER.value, Role.SENIOR.value, Role.MANAGER.value, Role.COORDINATOR.value}),
    ButtonFamily(TODAY_PREFIX, press_today),
)
