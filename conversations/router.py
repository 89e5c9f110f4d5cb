"""Who is this, and what do they want? Routes one event to a command or their conversation."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from conversations import engine
from conversations.alert_buttons import list_open_alerts, press_alert_button, refuse_stranger_tap
from conversations.flows import FLOWS, FlowSpec
from conversations.flows.resolve import RESOLVE, resolve_data
from conversations.menus import (
    commands_for,
    contacts_text,
    greeting,
    help_text,
    main_menu,
    stranger_text,
)
from conversations.replies import Reply
from conversations.state_store import as_flow_state, find_person_and_state, save_state
from handlers.alerts.messages import ALERT_PREFIX
from handlers.delivery.chat import MENU_PREFIX, ChatEvent, SetCommands
from handlers.delivery.inbox import invite_token_hash
from handlers.delivery.outbox import queue_delivery
from handlers.delivery.reachability import mark_heard_from
from handlers.delivery.sender_limits import StrangerReply, answer_stranger
from handlers.people.identity import Redeemed, redeem_invite
from handlers.service.context import ServiceContext
from storage.models import ConversationState, Person

log = logging.getLogger(__name__)

REFUSALS = {
    Redeemed.UNKNOWN: "That invite link isn't valid. Please check you used the whole link, "
    "or ask the Family Time team for a new one.",
    Redeemed.USED: "That invite link has already been used. If it wasn't you, please tell "
    "the Family Time team; they can send you a new link.",
    Redeemed.EXPIRED: "That invite link has expired. Please ask the Family Time team for a "
    "new one.",
    Redeemed.RATE_LIMITED: "Too many invite links that didn't work. Please wait an hour, "
    "then try the link again or ask the Family Time team for a new one.",
    Redeemed.DEACTIVATED: "That invite link can no longer be used. Please contact the Family "
    "Time team.",
    Redeemed.ACCOUNT_TAKEN: "This Telegram account is already linked to someone else. Please "
    "contact the Family Time team.",
}


def new_nonce() -> str:
    """A short random tag that ties buttons to the prompt that showed them."""
    return secrets.token_urlsafe(4)


async def route_event(uow: AsyncSession, event: ChatEvent, ctx: ServiceContext) -> str:
    """Handle one event inside the caller's unit of work; returns a short outcome for the inbox."""
    reply = Reply(uow, event, ctx)
    text = (event.text or "").strip()
    if text.split(" ", 1)[0].split("@", 1)[0] == "/start" and " " in text:
        return await _redeem(uow, event, text.split(" ", 1)[1].strip(), reply, ctx)
    found = await find_person_and_state(uow, event.telegram_user_id)
    if found is None:
        await refuse_stranger_tap(uow, event, ctx)
        await reply.answer_button("This button isn't for you.")
        if await answer_stranger(
            uow, event.telegram_user_id, ctx.now(), ctx.sender_limit
        ) is not (StrangerReply.ANSWER):
            return "stranger_unanswered"  # told a moment ago: a flood gets one answer
        await reply.say(stranger_text(ctx.config, reply.hours()))
        return "stranger"
    person, link, row = found
    reply.person_id = person.id
    await mark_heard_from(uow, person, link, ctx.now())
    if row is not None and _is_idle(row, ctx):
        spec = FLOWS.get(row.flow)
        await save_state(uow, person.id, row, None, now=ctx.now())
        row = None
        title = spec.flow.title if spec else "what you were doing"
        await reply.say(f"You stopped {title} a while ago, so I closed it. Nothing was sent.")
    outcome = await _route_linked(uow, event, text, person, row, reply, ctx)
    await reply.answer_button()
    return outcome


async def _route_linked(
    uow: AsyncSession,
    event: ChatEvent,
    text: str,
    person: Person,
    row: ConversationState | None,
    reply: Reply,
    ctx: ServiceContext,
) -> str:
    data = event.callback_data
    if data is not None and data.startswith(MENU_PREFIX):
        return await _command(uow, data[len(MENU_PREFIX) :], person, row, reply, ctx)
    if data is not None and data.startswith(ALERT_PREFIX):
        outcome, alert = await press_alert_button(uow, data, person, reply, ctx)
        if alert is None:
            return outcome
        return await _begin_flow(
            uow, FLOWS[RESOLVE.name], resolve_data(alert, ctx), person, row, reply, ctx
        )
    if data is not None:
        return await _flow_button(uow, data, person, row, reply, ctx)
    if text.startswith("/"):
        name = text[1:].split(" ", 1)[0].split("@", 1)[0].lower()
        return await _command(uow, name, person, row, reply, ctx)
    if row is not None:
        return await _flow_input(
            uow, person, row, reply, ctx, text=text, button=None, media=event.media
        )
    if event.media is not None:
        await reply.say(
            f"{engine.not_passed_on(event.media)} Please type what you need, or tap a button "
            "below.",
            main_menu(person.role),
        )
        return "media_refused"
    await reply.say(
        "I'm not sure what you need. Tap a button below, or send /help.", main_menu(person.role)
    )
    return "unrecognised"


async def _redeem(
    uow: AsyncSession, event: ChatEvent, token: str, reply: Reply, ctx: ServiceContext
) -> str:
    result = await redeem_invite(
        uow,
        invite_token_hash(token),
        telegram_user_id=event.telegram_user_id,
        chat_id=event.chat_id,
        now=ctx.now(),
        max_failures_per_hour=ctx.config.bad_invite_attempts,
    )
    if result.outcome == Redeemed.ALREADY_LINKED and result.person is not None:
        # An old or mistyped link from someone already linked: their menu, not a refusal.
        person = result.person
        await reply.say(greeting(person, ctx.config.service_name), main_menu(person.role))
        return "start"
    if (
        result.outcome == Redeemed.RATE_LIMITED
        and await answer_stranger(uow, event.telegram_user_id, ctx.now(), ctx.sender_limit)
        is not StrangerReply.ANSWER
    ):
        return "invite_rate_limited_unanswered"  # told already: a flood of links gets one answer
    if result.outcome != Redeemed.LINKED or result.person is None:
        await reply.say(REFUSALS[result.outcome])
        return f"invite_{result.outcome}"
    person = result.person
    await queue_delivery(
        uow,
        SetCommands(commands_for(person.role)),
        now=ctx.now(),
        chat_id=event.chat_id,
        dedupe_key=f"update:{event.update_id}:commands",
    )
    await reply.say(greeting(person, ctx.config.service_name), main_menu(person.role))
    return "linked"


async def _command(
    uow: AsyncSession,
    name: str,
    person: Person,
    row: ConversationState | None,
    reply: Reply,
    ctx: ServiceContext,
) -> str:
    if name == "cancel":
        if row is None:
            await reply.say("There's nothing to cancel.", main_menu(person.role))
            return "cancel_nothing"
        await save_state(uow, person.id, row, None, now=ctx.now())
        await reply.say("Cancelled. Nothing was sent.", main_menu(person.role))
        return "cancelled"
    if name in FLOWS:
        return await _start_flow(uow, name, person, row, reply, ctx)
    if name == "start":
        await reply.say(greeting(person, ctx.config.service_name), main_menu(person.role))
    elif name == "help":
        await reply.say(help_text(person.role), main_menu(person.role))
    elif name == "contacts":
        await reply.say(contacts_text(ctx.config, reply.hours()))
    elif name == "alerts":
        await list_open_alerts(uow, person, reply, ctx)
    else:
        await reply.say("I don't know that command. Send /help to see what I can do.")
        return "unknown_command"
    if row is not None:
        await _remind_current(row, reply)
    return name


async def _start_flow(
    uow: AsyncSession,
    name: str,
    person: Person,
    row: ConversationState | None,
    reply: Reply,
    ctx: ServiceContext,
) -> str:
    spec = FLOWS[name]
    if person.role not in spec.roles:
        await reply.say("That isn't available for your role. Send /help to see what I can do.")
        return "flow_refused"
    if row is not None and row.flow == name:
        await _remind_current(row, reply)
        return "flow_resumed"
    prepared = await spec.prepare(uow, person, ctx)
    if isinstance(prepared, str):
        await reply.say(prepared)
        if row is not None:
            await _remind_current(row, reply)
        return "flow_unavailable"
    return await _begin_flow(uow, spec, prepared, person, row, reply, ctx)


async def _begin_flow(
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
    return await _apply_turn(uow, person, row, spec, turn, reply, ctx)


async def _flow_button(
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
            await _remind_current(row, reply)
        else:
            await reply.say(
                "That button is from an earlier message. Tap a button below to start again.",
                main_menu(person.role),
            )
        return "stale_button"
    return await _flow_input(uow, person, row, reply, ctx, text=None, button=parsed[1])


async def _flow_input(
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
    return await _apply_turn(uow, person, row, spec, turn, reply, ctx)


async def _apply_turn(
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


async def _remind_current(row: ConversationState, reply: Reply) -> None:
    spec = FLOWS.get(row.flow)
    if spec is None:
        return
    await reply.send(engine.current_prompt(spec.flow, as_flow_state(row)))


def _is_idle(row: ConversationState, ctx: ServiceContext) -> bool:
    idle = ctx.now() - row.updated_at
    return idle.total_seconds() > ctx.config.conversation_idle_minutes * 60
