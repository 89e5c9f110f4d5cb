"""Who is this, and what do they want? Routes one event to a command or their conversation."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from conversations import engine
from conversations.capabilities import REGISTRY
from conversations.command_menus import publish_commands
from conversations.flow_runner import (
    begin_flow,
    press_flow_button,
    refusal,
    remind_current,
    take_flow_input,
)
from conversations.flows.alert import ALERT
from conversations.menus import greeting, stranger_text
from conversations.put_aside import PUT_ASIDE_PREFIX
from conversations.registry import Begin, ButtonFamily, Call, Command, FlowSpec
from conversations.replies import Reply
from conversations.resuming import press_put_aside_button, put_aside_if_idle
from conversations.state_store import find_person_and_state
from handlers.delivery.chat import MENU_PREFIX, ChatEvent
from handlers.delivery.inbox import invite_token_hash
from handlers.delivery.reachability import mark_heard_from
from handlers.delivery.sender_limits import StrangerReply, answer_stranger
from handlers.delivery.start_buttons import parse_start_button
from handlers.people import Redeemed, redeem_invite
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


async def route_event(uow: AsyncSession, event: ChatEvent, ctx: ServiceContext) -> str:
    """Handle one event inside the caller's unit of work; returns a short outcome for the inbox."""
    reply = Reply(uow, event, ctx)
    text = (event.text or "").strip()
    if text.split(" ", 1)[0].split("@", 1)[0] == "/start" and " " in text:
        return await _redeem(uow, event, text.split(" ", 1)[1].strip(), reply, ctx)
    found = await find_person_and_state(uow, event.telegram_user_id)
    if found is None:
        family = REGISTRY.family_for(event.callback_data or "")
        starts = family.starts if family is not None else None
        if isinstance(starts, ButtonFamily) and starts.on_stranger is not None:
            await starts.on_stranger(uow, event, ctx)  # a forwarded message: on the record
        await reply.answer_button("This button isn't for you.")
        if await answer_stranger(
            uow, event.telegram_user_id, ctx.now(), ctx.sender_limit
        ) is not (StrangerReply.ANSWER):
            return "stranger_unanswered"  # told a moment ago: a flood gets one answer
        await reply.say(stranger_text(ctx.config, ctx.now()))
        return "stranger"
    person, link, row = found
    reply.person_id = person.id
    await mark_heard_from(uow, person, link, ctx.now())
    row, is_answered = await put_aside_if_idle(uow, event, person, row, reply, ctx)
    if is_answered:
        outcome = "put_aside"
    else:
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
    if event.callback_data is not None:
        return await _press(uow, event.callback_data, person, row, reply, ctx)
    if text.startswith("/"):
        name = text[1:].split(" ", 1)[0].split("@", 1)[0].lower()
        return await _start(uow, name, None, person, row, reply, ctx)
    if row is not None:
        return await take_flow_input(
            uow, person, row, reply, ctx, text=text, button=None, media=event.media
        )
    if event.media is not None:
        await reply.say(
            f"{engine.not_passed_on(event.media)} Please type what you need, or tap a button "
            "below.",
            REGISTRY.main_menu(person.role),
        )
        return "media_refused"
    await reply.say(
        "I'm not sure what you need. Tap a button below, or send /help.",
        REGISTRY.main_menu(person.role),
    )
    return "unrecognised"


async def _press(
    uow: AsyncSession,
    data: str,
    person: Person,
    row: ConversationState | None,
    reply: Reply,
    ctx: ServiceContext,
) -> str:
    """A button: one that starts something, one of a family's, or an answer in a flow."""
    if data.startswith(MENU_PREFIX):
        tap = parse_start_button(data)
        if tap is None:
            return await _unusable_button(person, reply)
        return await _start(uow, tap.name, tap.argument, person, row, reply, ctx)
    if data.startswith(PUT_ASIDE_PREFIX):  # the engine's own, like a flow's answer buttons
        return await press_put_aside_button(uow, data, person, row, reply, ctx)
    found = REGISTRY.family_for(data)
    if found is None or not isinstance(found.starts, ButtonFamily):
        return await press_flow_button(uow, data, person, row, reply, ctx)
    if person.role not in found.roles:
        return await _refuse(reply)
    answer = await found.starts.press(Call(uow, person, row, reply, ctx, REGISTRY), data)
    if isinstance(answer, Begin):
        spec = REGISTRY.flows[answer.flow]
        return await begin_flow(uow, spec, answer.data, person, row, reply, ctx)
    return answer


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
        await reply.say(greeting(person, ctx.config.service_name), REGISTRY.main_menu(person.role))
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
    await publish_commands(uow, person.role, event.chat_id, now=ctx.now())
    await reply.say(greeting(person, ctx.config.service_name), REGISTRY.main_menu(person.role))
    return "linked"


async def _start(
    uow: AsyncSession,
    name: str,
    argument: str | None,
    person: Person,
    row: ConversationState | None,
    reply: Reply,
    ctx: ServiceContext,
) -> str:
    """A command typed, or a start button tapped (from the menu or a pushed message)."""
    found = REGISTRY.find(name)
    if found is None:
        await reply.say("I don't know that command. Send /help to see what I can do.")
        return "unknown_command"
    if argument is not None and not found.takes_argument:
        return await _unusable_button(person, reply)
    if person.role not in found.roles:
        if name == ALERT.name:  # someone not staff may be worried about a child
            return await _refuse_alert(reply, ctx)
        return await _refuse(reply)
    call = Call(uow, person, row, reply, ctx, REGISTRY, argument)
    if isinstance(found.starts, Command):
        outcome = await found.starts.handle(call)
        if found.starts.reminds_current and row is not None:
            await remind_current(row, reply)
        return outcome
    if not isinstance(found.starts, FlowSpec):
        raise TypeError(f"{name} is not started by name")
    return await _start_flow(call, found.starts)


async def _start_flow(call: Call, spec: FlowSpec) -> str:
    row, reply = call.row, call.reply
    if row is not None and row.flow == spec.flow.name and call.argument is None:
        await remind_current(row, reply)
        return "flow_resumed"
    prepared = await spec.prepare(call.uow, call.person, call.ctx, call.argument)
    if isinstance(prepared, str):
        await reply.say(refusal(prepared, call.person, call.ctx))
        if row is not None:
            await remind_current(row, reply)
        return "flow_unavailable"
    return await begin_flow(call.uow, spec, prepared, call.person, row, reply, call.ctx)


async def _refuse(reply: Reply) -> str:
    await reply.say("That isn't available for your role. Send /help to see what I can do.")
    return "refused"


async def _refuse_alert(reply: Reply, ctx: ServiceContext) -> str:
    """Who to call instead of raising an alert, for someone not staff who may be worried."""
    contacts = ctx.config.contacts
    await reply.say(
        "Only staff raise alerts here. If a child is in immediate danger, call 999; with a worry "
        f"about a child's safety, phone the office on {contacts.office_phone} (out of hours, "
        f"the Emergency Social Work Team on {contacts.out_of_hours_phone})."
    )
    return "refused"


async def _unusable_button(person: Person, reply: Reply) -> str:
    """Start-button data that isn't ours (forged, or from a version long gone)."""
    await reply.answer_button("That button can't be used.")
    await reply.say(
        "That button is from a message I can't use any more. Tap a button below.",
        REGISTRY.main_menu(person.role),
    )
    return "start_button_unknown"
