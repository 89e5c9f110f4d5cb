"""Taps on alert messages (Acknowledge, Details, Resolve) and the managers' /alerts list."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.replies import Reply
from handlers.alert_messages import (
    ACKNOWLEDGE,
    DETAILS,
    SEVERITY_HEADINGS,
    alert_button,
    parse_alert_button,
    ping_keyboard,
)
from handlers.alerts import (
    RESPONDERS,
    acknowledge_alert,
    alert_details,
    may_read,
    may_respond,
    open_alerts,
    refuse,
    was_pinged,
)
from handlers.chat import Button, ChatEvent
from handlers.context import ServiceContext
from storage.models import Alert, AlertStatus, Person, Severity

NOT_YOURS = "Only the staff handling this alert can do that."


async def refuse_stranger_tap(session: AsyncSession, event: ChatEvent, ctx: ServiceContext) -> None:
    """A stranger (say, with a forwarded alert) tapped an alert button: put it on the record."""
    parsed = parse_alert_button(event.callback_data or "")
    if parsed is not None:
        refuse(
            session, parsed[0], parsed[1], now=ctx.now(), telegram_user_id=event.telegram_user_id
        )


async def press_alert_button(
    session: AsyncSession, data: str, person: Person, reply: Reply, ctx: ServiceContext
) -> tuple[str, Alert | None]:
    """Handle one tap; returns the outcome, and the alert when a Resolve flow should start."""
    parsed = parse_alert_button(data)
    alert = await session.get(Alert, parsed[0]) if parsed else None
    if parsed is None or alert is None:
        await reply.answer_button("That alert can't be found.")
        return "alert_unknown", None
    action = parsed[1]
    pinged = await was_pinged(session, alert.id, person.id)
    allowed = (
        may_read(person, alert, pinged) if action == DETAILS else may_respond(person, alert, pinged)
    )
    if not allowed:
        refuse(session, alert.id, action, now=ctx.now(), person=person)
        await reply.answer_button(NOT_YOURS)
        await reply.say(f"{NOT_YOURS} If you are worried about a child, phone the office.")
        return "alert_refused", None
    if action == DETAILS:
        await reply.answer_button()
        await reply.say(await alert_details(session, alert, ctx), protect=True)
        return "alert_details", None
    if action == ACKNOWLEDGE:
        return await _acknowledge(session, alert, person, pinged, reply, ctx), None
    if alert.status == AlertStatus.RESOLVED.value:
        await reply.answer_button(f"Alert {alert.ref} is already resolved.")
        return "alert_already_resolved", None
    return "alert_resolve", alert


async def _acknowledge(
    session: AsyncSession,
    alert: Alert,
    person: Person,
    pinged: bool,
    reply: Reply,
    ctx: ServiceContext,
) -> str:
    result = await acknowledge_alert(session, alert, person, ctx)
    if not result.is_winner:
        holder = result.holder
        taken = result.alert.acknowledged_at
        when = f" at {ctx.local(taken):%H:%M}" if taken else ""
        await reply.answer_button(f"{holder.first_name} already has this alert.")
        await reply.say(f"{holder.first_name} already has alert {alert.ref} (acknowledged{when}).")
        return "alert_already_acknowledged"
    await reply.answer_button(f"You have alert {alert.ref}.")
    if not pinged:  # acknowledged from /alerts: their ping edits don't reach this chat
        await reply.say(
            f"You have alert {alert.ref}. Resolve it with an outcome when it's dealt with.",
            ping_keyboard(alert, for_acknowledger=True),
            protect=True,
        )
    return "alert_acknowledged"


async def list_open_alerts(
    session: AsyncSession, person: Person, reply: Reply, ctx: ServiceContext
) -> str:
    """The /alerts command: open and acknowledged alerts at a glance."""
    if person.role not in RESPONDERS:
        await reply.say("That isn't available for your role. Send /help to see what I can do.")
        return "alerts_refused"
    alerts = await open_alerts(session)
    if not alerts:
        await reply.say("✅ No open alerts.")
        return "alerts_none"
    lines, rows = [f"{len(alerts)} alert(s) not yet resolved:"], []
    for alert in alerts[:20]:
        holder = (
            await session.get(Person, alert.acknowledged_by_id)
            if alert.acknowledged_by_id
            else None
        )
        state = f"with {holder.first_name}" if holder else "⚠️ NOT acknowledged"
        lines.append(
            f"• {alert.ref} {SEVERITY_HEADINGS[Severity(alert.severity)]} — raised "
            f"{ctx.show_time(alert.raised_at)} — {state}"
        )
        buttons = [Button(f"📄 {alert.ref}", alert_button(alert.id, DETAILS))]
        if holder is None:
            buttons.insert(0, Button(f"✅ Take {alert.ref}", alert_button(alert.id, ACKNOWLEDGE)))
        rows.append(tuple(buttons))
    await reply.say("\n".join(lines), tuple(rows), protect=True)
    return "alerts_listed"
