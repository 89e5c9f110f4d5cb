"""Taps on alert messages (Acknowledge, Escalate now, Take over, Details, Resolve)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.flows.resolve import RESOLVE, resolve_data
from conversations.registry import EVERYONE, Begin, ButtonFamily, Call, Capability
from conversations.replies import Reply
from handlers.alerts import (
    ACKNOWLEDGE,
    ALERT_PREFIX,
    DETAILS,
    ESCALATE,
    RESPONDERS,
    TAKE_OVER,
    TAKERS,
    Acknowledged,
    AlertTap,
    acknowledge_alert,
    alert_details,
    escalate_alert_now,
    may_read,
    may_respond,
    parse_alert_button,
    ping_keyboard,
    refuse,
    take_over_alert,
    was_pinged,
)
from handlers.delivery.chat import ChatEvent
from handlers.service.audit import audit_subject
from handlers.service.context import ServiceContext
from handlers.service.labels import person_label
from storage.models import Alert, AlertStatus, AuditEvent, Person

__all__ = ["ALERT_BUTTONS", "press_alert_button", "refuse_stranger_tap"]

NOT_YOURS = "Only the staff handling this alert can do that."
# A refused tap is always recorded and its spinner answered; the chat message is said at most
# once in this window, so repeated taps can't flood the chat (or the alert's Details).
REFUSAL_QUIET = timedelta(minutes=10)


async def refuse_stranger_tap(uow: AsyncSession, event: ChatEvent, ctx: ServiceContext) -> None:
    """A stranger (say, with a forwarded alert) tapped an alert button: put it on the record."""
    parsed = parse_alert_button(event.callback_data or "")
    if parsed is not None:
        refuse(
            uow,
            parsed.alert_id,
            parsed.action,
            now=ctx.now(),
            telegram_user_id=event.telegram_user_id,
        )


async def _refuse(
    uow: AsyncSession,
    alert: Alert,
    tap: AlertTap,
    person: Person,
    reply: Reply,
    ctx: ServiceContext,
) -> str:
    now = ctx.now()
    recent = await uow.scalar(
        select(func.count()).where(
            AuditEvent.subject == audit_subject("alert", alert.id),
            AuditEvent.action == "alert.access_refused",
            AuditEvent.actor_person_id == person.id,
            AuditEvent.at > now - REFUSAL_QUIET,
        )
    )
    refuse(uow, alert.id, tap.action, now=now, person=person)
    await reply.answer_button(NOT_YOURS)
    if not recent:
        await reply.say(f"{NOT_YOURS} If you are worried about a child, phone the office.")
    return "alert_refused"


def _is_allowed(tap: AlertTap, person: Person, alert: Alert, pinged: bool) -> bool:
    if tap.action == DETAILS:
        return may_read(person, alert, pinged)
    if tap.action in (ESCALATE, TAKE_OVER):
        return person.role in TAKERS and person.id != alert.raised_by_id
    return may_respond(person, alert, pinged)


async def press_alert_button(
    uow: AsyncSession, data: str, person: Person, reply: Reply, ctx: ServiceContext
) -> tuple[str, Alert | None]:
    """Handle one tap; returns the outcome, and the alert when a Resolve flow should start."""
    tap = parse_alert_button(data)
    alert = await uow.get(Alert, tap.alert_id) if tap else None
    if tap is None or alert is None:
        await reply.answer_button("That alert can't be found.")
        # Only responders have /alerts: anyone else is pointed at what they can do.
        where = "Send /alerts to see the open ones." if person.role in RESPONDERS else (
            "Tap a button below, or send /help."
        )
        await reply.say(f"That button is from a message I can't match to an alert. {where}")
        return "alert_unknown", None
    pinged = await was_pinged(uow, alert.id, person.id)
    if not _is_allowed(tap, person, alert, pinged):
        return await _refuse(uow, alert, tap, person, reply, ctx), None
    if tap.action == DETAILS:
        await reply.answer_button()
        await reply.say(await alert_details(uow, alert, ctx), protect=True)
        return "alert_details", None
    if alert.status == AlertStatus.RESOLVED.value:
        await reply.answer_button(f"Alert {alert.ref} is already resolved.")
        await reply.say(f"Alert {alert.ref} is already resolved ({alert.outcome}).")
        return "alert_already_resolved", None
    if tap.action == ACKNOWLEDGE:
        result = await acknowledge_alert(uow, alert, person, ctx)
        return await _told_who_has_it(
            result, person, pinged, reply, ctx, "alert_acknowledged"
        ), None
    if tap.action == TAKE_OVER:
        result = await take_over_alert(uow, alert, person, ctx)
        return await _told_who_has_it(result, person, pinged, reply, ctx, "alert_taken_over"), None
    if tap.action == ESCALATE:
        return await _escalate(uow, alert, person, tap, reply, ctx), None
    # What is left is RESOLVE: parse_alert_button admits only the known actions.
    outcome = await _resolve_or_explain(uow, alert, person, reply)
    return outcome, alert if outcome == "alert_resolve" else None


async def _told_who_has_it(
    result: Acknowledged, person: Person, pinged: bool, reply: Reply, ctx: ServiceContext, won: str
) -> str:
    alert = result.alert
    if not result.is_winner:
        holder = result.holder
        taken = alert.acknowledged_at
        when = f" (since {ctx.local(taken):%H:%M})" if taken else ""
        if holder.id == person.id:
            await reply.answer_button(f"You already have alert {alert.ref}.")
            return "alert_already_yours"
        await reply.answer_button(f"{holder.first_name} already has this alert.")
        await reply.say(
            f"{holder.first_name} already has alert {alert.ref}{when}.",
            ping_keyboard(alert, person),
            protect=True,
        )
        return "alert_already_acknowledged"
    await reply.answer_button(f"You have alert {alert.ref}.")
    if not pinged:  # from /alerts: their ping edits don't reach this chat
        await reply.say(
            f"You have alert {alert.ref}. Resolve it with an outcome when it's dealt with.",
            ping_keyboard(alert, person),
            protect=True,
        )
    return won


async def _escalate(
    uow: AsyncSession,
    alert: Alert,
    person: Person,
    tap: AlertTap,
    reply: Reply,
    ctx: ServiceContext,
) -> str:
    reached = None
    if tap.step is not None and alert.status == AlertStatus.OPEN.value:
        reached = await escalate_alert_now(uow, alert, person, tap.step, ctx)
    if reached is None:
        why = (
            "someone has it" if alert.status != AlertStatus.OPEN.value else "it has gone up already"
        )
        await reply.answer_button(f"Not escalated: {why}.")
        await reply.say(
            f"Alert {alert.ref} was not escalated: {why}.",
            ping_keyboard(alert, person),
            protect=True,
        )
        return "alert_escalate_stale"
    names = ", ".join(p.first_name for p in reached) or "nobody reachable yet (I'll keep trying)"
    await reply.answer_button("Escalated.")
    await reply.say(f"⏫ Alert {alert.ref} escalated: now sent to {names}.", protect=True)
    return "alert_escalated"


async def _resolve_or_explain(
    uow: AsyncSession, alert: Alert, person: Person, reply: Reply
) -> str:
    """Only the holder resolves; anyone else is told what to do instead."""
    if alert.status == AlertStatus.ACKNOWLEDGED.value and alert.acknowledged_by_id == person.id:
        return "alert_resolve"
    if alert.status == AlertStatus.OPEN.value:
        await reply.answer_button("Acknowledge it first.")
        await reply.say(
            f"Nobody has acknowledged alert {alert.ref} yet: acknowledge it first, then resolve.",
            ping_keyboard(alert, person),
            protect=True,
        )
        return "alert_resolve_unacknowledged"
    holder = (
        await uow.get(Person, alert.acknowledged_by_id) if alert.acknowledged_by_id else None
    )
    name = person_label(holder) if holder else "Someone else"
    extra = " You can take it over first." if person.role in TAKERS else ""
    await reply.answer_button(f"{name} has this alert.")
    await reply.say(
        f"{name} has alert {alert.ref}; only they can resolve it.{extra}",
        ping_keyboard(alert, person),
        protect=True,
    )
    return "alert_resolve_not_holder"


async def press_alert(call: Call, data: str) -> str | Begin:
    """One tap on an alert's button; Resolve by its holder opens the resolve flow."""
    outcome, alert = await press_alert_button(call.uow, data, call.person, call.reply, call.ctx)
    return outcome if alert is None else Begin(RESOLVE.name, resolve_data(alert, call.ctx))


# Any linked person may tap: whether they may act depends on the alert, and a refusal is recorded.
ALERT_BUTTONS = Capability(
    "alert_buttons",
    EVERYONE,
    ButtonFamily(ALERT_PREFIX, press_alert, on_stranger=refuse_stranger_tap),
    is_urgent=True,
)
