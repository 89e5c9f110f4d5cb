"""Running a person's flow: start it, take a typed answer or a pressed button, save the turn."""

from __future__ import annotations

import secrets
from dataclasses import replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from conversations import engine
from conversations.capabilities import FLOWS, main_menu
from conversations.put_aside import (
    RESTART,
    forms_put_aside,
    keep_aside,
    offer_forms_put_aside,
    put_aside_keyboard,
)
from conversations.registry import Done, FlowSpec, NothingSent, Reopen, SeenAtOnce
from conversations.replies import Reply
from conversations.state_store import as_flow_state, save_state
from handlers.service.context import ServiceContext
from handlers.service.hours import office_closed_line
from storage.models import ConversationState, Person, Role


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
    """Start a flow with prepared data; one in hand is put aside, not lost."""
    for earlier in await forms_put_aside(uow, person.id, ctx, flow=spec.flow.name):
        if spec.flow.asks_to_resume:
            await reply.say(
                f"You started {spec.flow.title} earlier and I've kept your answers. Carry on "
                "where you were, or start again?",
                put_aside_keyboard(spec.flow.name, other=RESTART),
            )
            return "put_aside_offered"
        await uow.delete(earlier)
        await uow.flush()  # the one in hand may be put aside under the same key below
        await reply.say(
            f"I've discarded what you started earlier ({spec.flow.title}); nothing was sent."
        )
    if row is not None:
        await retire_prompt(row, reply)
        before = FLOWS.get(row.flow)
        if before is not None:
            await keep_aside(uow, row, ctx.now())
            await reply.say(
                f"I've put aside {before.flow.title} with your answers kept; you can carry on "
                "with it afterwards."
            )
        else:
            await reply.say("I've closed what you were doing before; nothing was sent.")
    if spec.refresh is not None:
        data = await spec.refresh(uow, person.id, ctx, dict(data))
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
    """A flow button: the question on screen's, an earlier Cancel of it, or a stale one."""
    parsed = engine.parse_flow_button(data)
    if row is not None and parsed is not None:
        nonce, key = parsed
        if nonce == row.nonce:
            return await take_flow_input(
                uow, person, row, reply, ctx, text=None, button=key, is_on_prompt=True
            )
        if key == engine.CANCEL and nonce == row.tag:  # an earlier question's Cancel
            return await take_flow_input(uow, person, row, reply, ctx, text=None, button=key)
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
    is_on_prompt: bool = False,
) -> str:
    """Apply one input; `is_on_prompt` says a button of the question on screen was pressed."""
    spec = FLOWS.get(row.flow)
    if spec is None:
        await save_state(uow, person.id, row, None, now=ctx.now())
        await reply.say("Sorry, I had to close what you were doing. Please start again.")
        return "flow_gone"
    state = await refreshed(uow, spec, person.id, ctx, as_flow_state(row))
    turn = engine.advance(
        spec.flow, state, text=text, button=button, nonce=new_nonce(), media=media
    )
    # The question is answered or replaced: its buttons go, and it shows the answer.
    await retire_prompt(row, reply, answer=turn.chosen_label, is_pressed=is_on_prompt)
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
    """Queue the turn's messages, save the state with its question's outbox key, and finish."""
    prompt_key = None
    for message in turn.messages:
        key = await reply.send(message)
        if message.keyboard:
            prompt_key = key
    await save_state(uow, person.id, row, turn.state, now=ctx.now(), prompt_key=prompt_key)
    if turn.is_cancelled:
        await reply.say("You've left the form. Nothing was sent.", main_menu(person.role))
        await offer_forms_put_aside(uow, person.id, reply, ctx, titles())
        return "cancelled"
    if turn.finished is not None:
        answer = await spec.finish(uow, person, turn.finished, ctx)
        if isinstance(answer, Reopen):
            await uow.flush()  # the ended conversation's row goes before the reopened one's
            tag = row.tag if row is not None and row.tag else new_nonce()
            again = await reopened(uow, spec, person.id, ctx, answer, tag)
            return await apply_turn(uow, person, None, spec, again, reply, ctx)
        if isinstance(answer, Done):
            await reply.say(answer.text, answer.keyboard + main_menu(person.role))
        else:
            await reply.say(with_office_hours(answer, person, ctx), main_menu(person.role))
        await offer_forms_put_aside(uow, person.id, reply, ctx, titles())
        return spec.done_outcome
    return "flow_step"


async def cancel_flow(
    uow: AsyncSession, person: Person, row: ConversationState, reply: Reply, ctx: ServiceContext
) -> str:
    """/cancel: end the conversation, nothing sent; its question's buttons go."""
    await retire_prompt(row, reply)
    await save_state(uow, person.id, row, None, now=ctx.now())
    await reply.say("You've left the form. Nothing was sent.", main_menu(person.role))
    await offer_forms_put_aside(uow, person.id, reply, ctx, titles())
    return "cancelled"


async def remind_current(row: ConversationState, reply: Reply) -> None:
    """Ask the current question again, below; the earlier copy loses its buttons."""
    spec = FLOWS.get(row.flow)
    if spec is None:
        return
    await retire_prompt(row, reply)
    state = await refreshed(reply.uow, spec, row.person_id, reply.ctx, as_flow_state(row))
    if spec.refresh is not None:
        row.data = state.data
    row.prompt_key = await reply.send(engine.current_prompt(spec.flow, state))


async def refreshed(
    uow: AsyncSession, spec: FlowSpec, person_id: int, ctx: ServiceContext, state: engine.FlowState
) -> engine.FlowState:
    """The state with the facts its questions are drawn from gathered again, if the flow has
    any (what is free now, not when the flow started)."""
    if spec.refresh is None:
        return state
    return replace(state, data=await spec.refresh(uow, person_id, ctx, dict(state.data)))


async def reopened(
    uow: AsyncSession,
    spec: FlowSpec,
    person_id: int,
    ctx: ServiceContext,
    reopen: Reopen,
    tag: str,
) -> engine.Turn:
    """A finished flow asked again at one step, answers kept, after the reason why."""
    names = [step.name for step in spec.flow.steps]
    before = names[: names.index(reopen.step)]
    history = tuple(
        name for name in before if spec.flow.steps[names.index(name)].save_as in reopen.data
    )
    nonce = new_nonce()
    state = engine.FlowState(
        spec.flow.name, reopen.step, dict(reopen.data), history, nonce, tag, reopen.return_to
    )
    state = await refreshed(uow, spec, person_id, ctx, state)
    return engine.Turn(state, (engine.current_prompt(spec.flow, state, reopen.problem),))


async def retire_prompt(
    row: ConversationState, reply: Reply, *, answer: str | None = None, is_pressed: bool = False
) -> None:
    """Remove the buttons of the question on screen, showing the answer given to it, if any."""
    spec = FLOWS.get(row.flow)
    step = engine.step_named(spec.flow, as_flow_state(row), row.step) if spec else None
    if step is None:
        return
    asked = step.ask(row.data)
    text = f"{asked}\n✔ {answer}" if answer else asked
    if is_pressed:
        await reply.edit_pressed(text)
    elif row.prompt_key:
        await reply.edit_sent(row.prompt_key, text)
    row.prompt_key = None


def with_office_hours(answer: str, person: Person, ctx: ServiceContext) -> str:
    """A carer's finished form, out of office hours: one line on when the office will see it
    (said once, at the end of the form; never to staff, who know the hours)."""
    if person.role != Role.CARER:
        return answer
    is_sent = not isinstance(answer, NothingSent | SeenAtOnce)
    closed = office_closed_line(ctx.config, ctx.now(), is_sent=is_sent)
    return f"{answer}\n{closed}" if closed else answer


def refusal(text: str, person: Person, ctx: ServiceContext) -> str:
    """Why a form can't start; out of office hours a carer also reads when the office opens and
    the out-of-hours number, since "phone the office" can't be done then."""
    return with_office_hours(NothingSent(text), person, ctx)


def is_idle(row: ConversationState, ctx: ServiceContext) -> bool:
    """Whether the person left this conversation longer than the service allows."""
    idle = ctx.now() - row.updated_at
    return idle.total_seconds() > ctx.config.conversation_idle_minutes * 60


def titles() -> dict[str, str]:
    """Each flow's title, by its stored name."""
    return {name: spec.flow.title for name, spec in FLOWS.items()}
