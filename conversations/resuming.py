"""Putting a form aside when it is left idle, and Carry on, Discard or Start again after."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from conversations import engine
from conversations.capabilities import FLOWS, REGISTRY, main_menu
from conversations.flow_runner import (
    apply_turn,
    begin_flow,
    is_idle,
    new_nonce,
    refreshed,
    refusal,
    retire_prompt,
)
from conversations.put_aside import (
    DISCARD,
    RESTART,
    RESUME,
    as_state,
    forms_put_aside,
    keep_aside,
    parse_put_aside_button,
    put_aside_keyboard,
)
from conversations.replies import Reply
from conversations.state_store import save_state
from handlers.delivery.chat import ChatEvent
from handlers.service.context import ServiceContext
from storage.models import ConversationState, Person

_CHOSEN = {RESUME: "▶ Carry on", DISCARD: "🗑 Discard it", RESTART: "🔄 Start again"}


async def put_aside_if_idle(
    uow: AsyncSession,
    event: ChatEvent,
    person: Person,
    row: ConversationState | None,
    reply: Reply,
    ctx: ServiceContext,
) -> tuple[ConversationState | None, bool]:
    """Put aside a form left idle (answers kept) and say so; returns the conversation still
    going, and whether this event is answered by that (an old question's tap). Typed words and
    a tap on the question on screen carry on with it instead."""
    if row is None or not is_idle(row, ctx):
        return row, False
    parsed = engine.parse_flow_button(event.callback_data or "")
    if parsed is not None and (parsed[0] == row.nonce or parsed == (row.tag, engine.CANCEL)):
        return row, False  # a tap on the question itself: the person is back at it
    text = (event.text or "").strip()
    if event.callback_data is None and not text.startswith("/"):
        # Typed words answer the question on screen, however late: never thrown away (a
        # worker's alert note least of all), and a form still ends at its summary.
        return row, False
    spec = FLOWS.get(row.flow)
    await retire_prompt(row, reply)
    if spec is None:
        await reply.say("You stopped what you were doing a while ago, so I closed it.")
    else:
        await keep_aside(uow, row, ctx.now())
        await reply.say(
            f"You left {spec.flow.title} a while ago, so I've put it aside with your answers "
            "kept. Nothing has been sent yet.",
            put_aside_keyboard(spec.flow.name),
        )
    await save_state(uow, person.id, row, None, now=ctx.now())
    return None, parsed is not None


async def press_put_aside_button(
    uow: AsyncSession,
    data: str,
    person: Person,
    row: ConversationState | None,
    reply: Reply,
    ctx: ServiceContext,
) -> str:
    """Carry on with a form put aside, discard it, or start it again from the first question."""
    parsed = parse_put_aside_button(data)
    action, name = parsed if parsed is not None else ("", "")
    spec = FLOWS.get(name)
    forms = await forms_put_aside(uow, person.id, ctx, flow=name) if spec else []
    capability = REGISTRY.find(name) if spec else None
    if spec is None or not forms or capability is None or person.role not in capability.roles:
        await reply.answer_button("That form is no longer kept.")
        await reply.say(
            "That form is no longer kept: it was sent, discarded, or put aside too long ago. "
            "Tap a button below to start again.",
            main_menu(person.role),
        )
        return "put_aside_gone"
    form = forms[0]
    await reply.edit_pressed(f"{spec.flow.title.capitalize()}, put aside.\n✔ {_CHOSEN[action]}")
    if action == DISCARD:
        await uow.delete(form)
        await reply.say(
            f"I've discarded {spec.flow.title}. Nothing was sent.", main_menu(person.role)
        )
        return "put_aside_discarded"
    if action == RESTART:
        await uow.delete(form)
        await uow.flush()  # a form of this flow may be put aside again at once
        prepared = await spec.prepare(uow, person, ctx, None)
        if isinstance(prepared, str):
            await reply.say(refusal(prepared, person, ctx))
            return "flow_unavailable"
        return await begin_flow(uow, spec, prepared, person, row, reply, ctx)
    state = as_state(form, new_nonce())
    if engine.step_named(spec.flow, state, state.step) is None:  # the flow changed meanwhile
        await uow.delete(form)
        await reply.say("Sorry, I couldn't keep that form. Please start again.")
        return "flow_gone"
    if row is not None:  # the form in hand is put aside in its place
        await retire_prompt(row, reply)
        await keep_aside(uow, row, ctx.now())  # the same row as `form` if it is the same flow
        before = FLOWS.get(row.flow)
        if before is not None and row.flow != name:
            await reply.say(f"I've put aside {before.flow.title} with your answers kept.")
    if row is None or row.flow != name:
        await uow.delete(form)
    state = await refreshed(uow, spec, person.id, ctx, state)
    turn = engine.Turn(state, (engine.current_prompt(spec.flow, state),))
    await apply_turn(uow, person, row, spec, turn, reply, ctx)
    return "put_aside_resumed"
