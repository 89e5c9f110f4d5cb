"""A worker raises a safeguarding alert: how serious (session preselected) → note or Send now."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.engine import Choose, Data, Flow, FreeText, Option, Step
from conversations.registry import Capability, FlowSpec
from handlers.alerts import (
    CALL_999,
    RAISERS,
    RESPONDERS,
    SEVERITY_CHOICES,
    raise_alert,
    sessions_to_alert_about,
)
from handlers.service.context import ServiceContext
from storage.models import Person, Severity

NO_SESSION = "none"
CHANGE_SESSION = "change"
SEND_NOW = "send"


def _ask_severity(data: Data) -> str:
    chosen = data.get("session", NO_SESSION)
    label = next((label for key, label in data["sessions"] if key == chosen), None)
    about = f"about session {label}" if label else "(not about a particular session)"
    return f"🚨 Alert {about}.\nHow serious is it?"


def _severity_options(data: Data) -> Sequence[Option]:
    options = [Option(s.value, SEVERITY_CHOICES[s]) for s in Severity]
    if data["sessions"]:
        options.append(Option(CHANGE_SESSION, "🔁 Change session"))
    return options


def _session_options(data: Data) -> Sequence[Option]:
    return [Option(key, label) for key, label in data["sessions"]] + [
        Option(NO_SESSION, "Not in a session")
    ]


def _ask_note(data: Data) -> str:
    first = f"{CALL_999}\n\n" if data.get("severity") == Severity.IMMEDIATE.value else ""
    return f"{first}Type a short note (no names), or tap Send now."


ALERT = Flow(
    name="alert",
    title="raising an alert",
    steps=(
        Step(
            name="severity",
            ask=_ask_severity,
            expects=Choose(_severity_options),
            save_as="severity",
            next=lambda d: "session" if d["severity"] == CHANGE_SESSION else "note",
        ),
        Step(
            name="session",
            ask=lambda _: "Which session is it about?",
            expects=Choose(_session_options),
            save_as="session",
            next=lambda _: "severity",
        ),
        Step(
            name="note",
            ask=_ask_note,
            expects=FreeText(max_length=300, shortcuts=(Option(SEND_NOW, "🚨 Send now"),)),
            save_as="note",
        ),
    ),
    asks_to_resume=False,
)


async def prepare_alert(
    uow: AsyncSession, person: Person, ctx: ServiceContext, argument: str | None
) -> dict[str, Any] | str:
    """Today's sessions for the worker, with the current one preselected (or the one a button
    names, when it is among them: any other argument is ignored, never holding the alert up)."""
    found, current = await sessions_to_alert_about(uow, person, ctx)
    sessions = [
        [str(s.id), f"{s.ref} {ctx.local(s.starts_at):%H:%M} {s.room or ''}".strip()] for s in found
    ]
    current = next((s for s in found if str(s.id) == argument), current)
    return {"sessions": sessions, "session": str(current.id) if current else NO_SESSION}


async def finish_alert(
    uow: AsyncSession, person: Person, data: dict[str, Any], ctx: ServiceContext
) -> str:
    """Raise it; the worker learns who was pinged and that they'll hear who has it."""
    # Checked again now: the role may have changed since /alert. Staff who are no longer raisers
    # (say, now a coordinator) still send it, since losing an alert is worse.
    if person.role not in RAISERS | RESPONDERS:
        contacts = ctx.config.contacts
        return (
            "Your role has changed, so I can't raise this alert for you. If a child is at risk, "
            f"phone the office on {contacts.office_phone} now (out of hours, the ESWT on "
            f"{contacts.out_of_hours_phone}); call 999 in an emergency."
        )
    chosen = data.get("session", NO_SESSION)
    note = None if data["note"] == SEND_NOW else str(data["note"])
    alert, pinged = await raise_alert(
        uow,
        person,
        severity=Severity(data["severity"]),
        session_id=int(chosen) if chosen != NO_SESSION else None,
        note=note,
        ctx=ctx,
    )
    if not pinged:
        return f"Alert {alert.ref} is recorded and I'm still trying to reach someone."
    names = ", ".join(p.first_name for p in pinged)
    return f"🚨 Alert {alert.ref} sent to {names}. I'll tell you as soon as someone has it."


RAISE_ALERT = Capability(
    ALERT.name,
    RAISERS,
    FlowSpec(ALERT, prepare_alert, finish_alert),
    description="Raise a safeguarding alert",
    label="🚨 Raise an alert",
    is_urgent=True,
    takes_argument=True,  # a session's id, from "Raise an alert" on an early end for risk
)
