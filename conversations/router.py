"""Who is this, and what do they want? Routes one event to a command or their conversation."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from conversations import engine
from conversations.alert_buttons import list_open_alerts, press_alert_button, refuse_stranger_tap
from conversations.flow_runner import (
    begin_flow,
    cancel_flow,
    press_flow_button,
    remind_current,
    take_flow_input,
)
from conversations.flows import FLOWS
from conversations.flows.resolve import RESOLVE, resolve_data
from conversations.menus import (
    commands_for,
    contacts_text,
    greeting,
    help_text,
    main_menu,
    stranger_text,
)
from conversations.put_aside import PUT_ASIDE_PREFIX
from conversations.replies import Reply
from conversations.resuming import press_put_aside_button, put_aside_if_idle
from conversations.state_store import find_person_and_state
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
    data = event.callback_data
    if data is not None and data.startswith(MENU_PREFIX):
        return await _command(uow, data[len(MENU_PREFIX) :], person, row, reply, ctx)
    if data is not None and data.startswith(PUT_ASIDE_PREFIX):
        return await press_put_aside_button(uow, data, person, row, reply, ctx)
    if data is not None and data.startswith(ALERT_PREFIX):
        outcome, alert = await press_alert_button(uow, data, person, reply, ctx)
        if alert is None:
            return outcome
        return await begin_flow(
            uow, FLOWS[RESOLVE.name], resolve_data(alert, ctx), person, row, reply, ctx
        )
    if data is not None:
        return await press_flow_button(uow, data, person, row, reply, ctx)
    if text.startswith("/"):
        name = text[1:].split(" ", 1)[0].split("@", 1)[0].lower()
        return await _command(uow, name, person, row, reply, ctx)
    if row is not None:
        return await take_flow_input(
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
        return await cancel_flow(uow, person, row, reply, ctx)
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
        await remind_current(row, reply)
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
        await remind_current(row, reply)
        return "flow_resumed"
    prepared = await spec.prepare(uow, person, ctx)
    if isinstance(prepared, str):
        await reply.say(prepared)
        if row is not None:
            await remind_current(row, reply)
        return "flow_unavailable"
    return await begin_flow(uow, spec, prepared, person, row, reply, ctx)


