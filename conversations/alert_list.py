"""The /alerts command: alerts not yet resolved, where they are, and what this person may do."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.registry import Call, Capability, Command
from conversations.replies import Reply
from handlers.alerts import (
    ACKNOWLEDGE,
    DETAILS,
    RESOLVE,
    RESPONDERS,
    SEVERITY_HEADINGS,
    TAKE_OVER,
    TAKERS,
    alert_button,
    may_read,
    may_respond,
    open_alerts,
    was_pinged,
)
from handlers.delivery.chat import Button
from handlers.service.context import ServiceContext
from handlers.service.labels import counted
from storage.models import Alert, AlertStatus, Person, Severity, Venue

LIST_LIMIT = 20


async def _buttons(
    uow: AsyncSession, alert: Alert, person: Person, holder: Person | None
) -> tuple[Button, ...]:
    pinged = await was_pinged(uow, alert.id, person.id)
    buttons = []
    if alert.status == AlertStatus.OPEN.value and may_respond(person, alert, pinged):
        buttons.append(Button(f"✅ Acknowledge {alert.ref}", alert_button(alert.id, ACKNOWLEDGE)))
    elif holder is not None and holder.id == person.id:
        buttons.append(Button(f"☑️ Resolve {alert.ref}", alert_button(alert.id, RESOLVE)))
    elif holder is not None and person.role in TAKERS and person.id != alert.raised_by_id:
        buttons.append(Button(f"🔁 Take over {alert.ref}", alert_button(alert.id, TAKE_OVER)))
    if may_read(person, alert, pinged):
        buttons.append(Button(f"📄 Details of {alert.ref}", alert_button(alert.id, DETAILS)))
    return tuple(buttons)


async def list_open_alerts(
    uow: AsyncSession, person: Person, reply: Reply, ctx: ServiceContext
) -> str:
    """Open and acknowledged alerts at a glance, each with its venue and this person's actions."""
    if person.role not in RESPONDERS:
        await reply.say("That isn't available for your role. Send /help to see what I can do.")
        return "alerts_refused"
    alerts = await open_alerts(uow)
    if not alerts:
        await reply.say("✅ No open alerts.")
        return "alerts_none"
    lines, rows = [f"{counted(len(alerts), 'alert')} not yet resolved:"], []
    for alert in alerts[:LIST_LIMIT]:
        is_held = alert.status == AlertStatus.ACKNOWLEDGED.value and alert.acknowledged_by_id
        holder = await uow.get(Person, alert.acknowledged_by_id) if is_held else None
        venue = await uow.get(Venue, alert.venue_code) if alert.venue_code else None
        state = f"with {holder.first_name}" if holder else "⚠️ NOT acknowledged"
        lines.append(
            f"• {alert.ref} {SEVERITY_HEADINGS[Severity(alert.severity)]} — "
            f"{venue.name if venue else 'venue not known'} — raised "
            f"{ctx.show_time(alert.raised_at)} — {state}"
        )
        buttons = await _buttons(uow, alert, person, holder)
        if buttons:
            rows.append(buttons)
    if len(alerts) > LIST_LIMIT:
        lines.append(f"… and {len(alerts) - LIST_LIMIT} more (oldest not shown).")
    await reply.say("\n".join(lines), tuple(rows), protect=True)
    return "alerts_listed"


async def show_open_alerts(call: Call) -> str:
    """/alerts: the list, for the staff who answer alerts."""
    return await list_open_alerts(call.uow, call.person, call.reply, call.ctx)


OPEN_ALERTS = Capability(
    "alerts",
    RESPONDERS,
    Command(show_open_alerts),
    description="Alerts not yet resolved",
    label="📋 Open alerts",
    is_urgent=True,
)
