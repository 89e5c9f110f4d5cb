"""What alert messages say and which buttons they carry; never a child's name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.chat import Button, Keyboard
from handlers.context import ServiceContext
from handlers.service_hours import is_open
from storage.models import Alert, Person, Session, Severity, Venue

ALERT_PREFIX = "a:"
ACKNOWLEDGE, DETAILS, RESOLVE = "ack", "det", "res"

SEVERITY_HEADINGS = {
    Severity.IMMEDIATE: "🔴 IMMEDIATE DANGER",
    Severity.URGENT: "🟠 URGENT CONCERN",
    Severity.WORRY: "🟡 Worry to discuss",
}
SEVERITY_CHOICES = {
    Severity.IMMEDIATE: "🔴 Immediate danger",
    Severity.URGENT: "🟠 Urgent concern",
    Severity.WORRY: "🟡 Worry to discuss",
}
CALL_999 = "Call 999 now if a child is in immediate danger."


def alert_button(alert_id: int, action: str) -> str:
    """Opaque button data for an action on an alert."""
    return f"{ALERT_PREFIX}{alert_id}:{action}"


def parse_alert_button(data: str) -> tuple[int, str] | None:
    """(alert id, action) from button data, or None if it is not an alert button."""
    if not data.startswith(ALERT_PREFIX):
        return None
    number, _, action = data[len(ALERT_PREFIX) :].partition(":")
    if not number.isdigit() or action not in (ACKNOWLEDGE, DETAILS, RESOLVE):
        return None
    return int(number), action


def ping_keyboard(alert: Alert, *, for_acknowledger: bool = False) -> Keyboard:
    """Acknowledge while open; Resolve for whoever has it; Details always."""
    details = Button("📄 Details", alert_button(alert.id, DETAILS))
    if alert.status == "open":
        return ((Button("✅ Acknowledge", alert_button(alert.id, ACKNOWLEDGE)), details),)
    if alert.status == "acknowledged" and for_acknowledger:
        return ((Button("☑️ Resolve", alert_button(alert.id, RESOLVE)), details),)
    return ((details,),)


@dataclass(frozen=True)
class AlertFacts:
    """What a ping may say about an alert: where, how serious, who raised it, when."""

    ref: str
    heading: str
    place: str
    raiser: str
    raised_at: datetime


async def alert_facts(session: AsyncSession, alert: Alert) -> AlertFacts:
    """Gather the facts a ping shows (venue, room, session reference, raiser's first name)."""
    venue = await session.get(Venue, alert.venue_code) if alert.venue_code else None
    booked = await session.get(Session, alert.session_id) if alert.session_id else None
    raiser = await session.get(Person, alert.raised_by_id)
    place = ", ".join(p for p in (venue.name if venue else "Venue not known", alert.room) if p)
    if booked is not None:
        place += f" · session {booked.ref}"
    return AlertFacts(
        ref=alert.ref,
        heading=SEVERITY_HEADINGS[Severity(alert.severity)],
        place=place,
        raiser=raiser.first_name if raiser else "a worker",
        raised_at=alert.raised_at,
    )


def ping_text(
    facts: AlertFacts,
    ctx: ServiceContext,
    *,
    now: datetime,
    reason: str | None = None,
    status: str | None = None,
) -> str:
    """The ping: severity, place, raiser, minutes since raised, ESWT out of hours, status."""
    minutes = max(0, int((now - facts.raised_at).total_seconds() // 60))
    lines = [
        f"{facts.heading} — alert {facts.ref}",
        facts.place,
        f"Raised by {facts.raiser} at {ctx.local(facts.raised_at):%H:%M} ({minutes} min ago)",
    ]
    if reason:
        lines.append(reason)
    if not is_open(ctx.config, now):
        lines.append(f"Out of hours: ESWT {ctx.config.contacts.out_of_hours_phone}")
    if status:
        lines += ["", status]
    return "\n".join(lines)
