"""Running a person's flow: start it, take a typed answer or a pressed button, save the turn."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from conversations import engine
from conversations.capabilities import FLOWS, main_menu
from conversations.registry import FlowSpec
from conversations.replies import Reply
from conversations.state_store import as_flow_state, save_state
from handlers.service.context import ServiceContext
from storage.models import ConversationState, Person


def new_nonce() -> str:
    """A short random tag that ties buttons to the prompt that showed them."""
    return secrets.token_urlsafe(4)


async def begin_flow(
    uow: AsyncSession,
    spec: FlowSpec,
    data: dict[str, Any],
    person: Person,
    row: ConversationState | None,
    reply: Reply,
    ctx: ServiceContext,
) -> str:
    if row is not None:
        await reply.say("I've put aside what you were doing before; nothing was sent.")
    turn = engine.start_flow(spec.flow, data, new_nonce())
    return await apply_turn(uow, person, row, spec, turn, reply, ctx)


async def press_flow_button(
    uow: AsyncSession,
    data: str,
    person: Person,
    row: ConversationState | None,
    reply: Reply,
    ctx: ServiceContext,
) -> str:
    parsed = engine.parse_flow_button(data)
    if row is None or parsed is None or parsed[0] != row.nonce:
        await reply.answer_button("That button is from an earlier message.")
        if row is not None:
            await reply.say("That button is from an earlier message; please use the one below.")
            await remind_current(row, reply)
        else:
            await reply.say(
                "That button is from an earlier message. Tap a button below to start again.",
                main_menu(person.role),
            )
        return "stale_button"
    return await take_flow_input(uow, person, row, reply, ctx, text=None, button=parsed[1])


async def take_flow_input(
    uow: AsyncSession,
    person: Person,
    row: ConversationState,
    reply: Reply,
    ctx: ServiceContext,
    *,
    text: str | None,
    button: str | None,
    media: str | None = None,
) -> str:
    spec = FLOWS.get(row.flow)
    if spec is None:
        await save_state(uow, person.id, row, None, now=ctx.now())
        await reply.say("Sorry, I had to close what you were doing. Please start again.")
        return "flow_gone"
    state = as_flow_state(row)
    turn = engine.advance(
        spec.flow, state, text=text, button=button, nonce=new_nonce(), media=media
    )
    if turn.chosen_label is not None and button is not None:
        step = spec.flow.step(state.step)
        asked = step.ask(state.data) if step else ""
        await reply.edit_pressed(f"{asked}\n✔ {turn.chosen_label}")
    return await apply_turn(uow, person, row, spec, turn, reply, ctx)


async def apply_turn(
    uow: AsyncSession,
    person: Person,
    row: ConversationState | None,
    spec: FlowSpec,
    turn: engine.Turn,
    reply: Reply,
    ctx: ServiceContext,
) -> str:
    await save_state(uow, person.id, row, turn.state, now=ctx.now())
    for message in turn.messages:
        await reply.send(message)
    if turn.is_cancelled:
        await reply.say("Cancelled. Nothing was sent.", main_menu(person.role))
        return "cancelled"
    if turn.finished is not None:
        answer = await spec.finish(uow, person, turn.finished, ctx)
        await reply.say(answer, main_menu(person.role))
        return f"{spec.flow.name}_done"
    return "flow_step"


async def remind_current(row: ConversationState, reply: Reply) -> None:
    spec = FLOWS.get(row.flow)
    if spec is None:
        return
    await reply.send(engine.current_prompt(spec.flow, as_flow_state(row)))


def is_idle(row: ConversationState, ctx: ServiceContext) -> bool:
    idle = ctx.now() - row.updated_at
    return idle.total_seconds() > ctx.config.conversation_idle_minutes * 60
