"""What alert messages say and which buttons they carry; never a child's name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.delivery.chat import Button, Keyboard, button_number
from handlers.service.context import ServiceContext
from handlers.service.hours import is_open
from handlers.service.labels import place_line
from storage.models import WELFARE_ORIGIN, Alert, AlertStatus, Person, Role, Session, Severity

ALERT_PREFIX = "a:"
ACKNOWLEDGE, DETAILS, RESOLVE, TAKE_OVER, ESCALATE = "ack", "det", "res", "tko", "esc"
ACTIONS = frozenset({ACKNOWLEDGE, DETAILS, RESOLVE, TAKE_OVER, ESCALATE})
# Who may take an alert over from its holder, or send it up the chain at once.
TAKERS = frozenset({Role.MANAGER.value, Role.COORDINATOR.value})

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


def alert_button(alert_id: int, action: str, step: int | None = None) -> str:
    """Opaque button data for an action on an alert (Escalate now names the step it climbs from)."""
    return f"{ALERT_PREFIX}{alert_id}:{action}" + (f":{step}" if step is not None else "")


@dataclass(frozen=True)
class AlertTap:
    """A parsed alert button: which alert, what to do, and (for Escalate now) from which step."""

    alert_id: int
    action: str
    step: int | None = None


def parse_alert_button(data: str) -> AlertTap | None:
    """The tap from button data, or None if it is not a well-formed alert button."""
    if not data.startswith(ALERT_PREFIX):
        return None
    number, _, rest = data[len(ALERT_PREFIX) :].partition(":")
    action, _, step = rest.partition(":")
    alert_id, step_number = button_number(number), button_number(step)
    if alert_id is None or action not in ACTIONS or (step and step_number is None):
        return None
    return AlertTap(alert_id, action, step_number)


def ping_keyboard(alert: Alert, person: Person | None = None) -> Keyboard:
    """Only the actions this person may take now; Details always.

    Open: Acknowledge (and, for a manager or coordinator, Escalate now). Acknowledged: Resolve
    for the holder, Take over for a manager or coordinator who isn't the holder.
    """
    details = Button("📄 Details", alert_button(alert.id, DETAILS))
    is_taker = person is not None and person.role in TAKERS
    if alert.status == AlertStatus.OPEN.value:
        row = [Button("✅ Acknowledge", alert_button(alert.id, ACKNOWLEDGE)), details]
        if is_taker:
            row.insert(1, Button("⏫ Escalate now", alert_button(alert.id, ESCALATE, alert.step)))
        return (tuple(row),)
    if alert.status == AlertStatus.ACKNOWLEDGED.value and person is not None:
        if person.id == alert.acknowledged_by_id:
            return ((Button("☑️ Resolve", alert_button(alert.id, RESOLVE)), details),)
        if is_taker:
            return ((Button("🔁 Take over", alert_button(alert.id, TAKE_OVER)), details),)
    return ((details,),)


@dataclass(frozen=True)
class AlertFacts:
    """What a ping may say about an alert: where, how serious, who raised it, when."""

    ref: str
    heading: str
    place: str
    raiser: str
    raised_at: datetime
    # Said instead of "Raised by" when the bot raised it (a missed welfare check's words).
    headline: str | None = None


async def alert_facts(uow: AsyncSession, alert: Alert) -> AlertFacts:
    """Gather the facts a ping shows (venue, room, session reference, raiser's first name)."""
    booked = await uow.get(Session, alert.session_id) if alert.session_id else None
    raiser = await uow.get(Person, alert.raised_by_id)
    place = await place_line(uow, alert.venue_code, alert.room)
    if booked is not None:
        place += f" · session {booked.ref}"
    return AlertFacts(
        ref=alert.ref,
        heading=SEVERITY_HEADINGS[Severity(alert.severity)],
        place=place,
        raiser=_raiser_name(raiser),
        raised_at=alert.raised_at,
        headline=alert.note if alert.origin == WELFARE_ORIGIN else None,
    )


def _raiser_name(raiser: Person | None) -> str:
    """The raiser's first name; a carer's (from a handover card) says so."""
    if raiser is None:
        return "a worker"
    is_carer = raiser.role == Role.CARER.value
    return f"{raiser.first_name} (carer, handover card)" if is_carer else raiser.first_name


def ping_text(
    facts: AlertFacts,
    ctx: ServiceContext,
    *,
    now: datetime,
    reason: str | None = None,
    status: str | None = None,
) -> str:
    """The ping: severity, place, raiser and the local time raised, ESWT out of hours, status.

    Times, not ages: a message stays on screen, and "5 min ago" is wrong a minute later.
    """
    lines = [
        f"{facts.heading} — alert {facts.ref}",
        facts.place,
        f"Raised by {facts.raiser} at {ctx.local(facts.raised_at):%H:%M}"
        if facts.headline is None
        else f"{facts.headline} Raised by the bot at {ctx.local(facts.raised_at):%H:%M}.",
    ]
    if reason:
        lines.append(reason)
    if not is_open(ctx.config, now):
        lines.append(f"Out of hours: ESWT {ctx.config.contacts.out_of_hours_phone}")
    if status:
        lines += ["", status]
    return "\n".join(lines)
