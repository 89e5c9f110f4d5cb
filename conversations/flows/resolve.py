"""Resolving an alert: an outcome is required, a note is optional."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.engine import Choose, Data, Flow, FreeText, Option, Step
from conversations.registry import Capability, FlowSpec
from handlers.alerts import RESPONDERS, resolve_alert
from handlers.service.context import ServiceContext
from storage.models import Alert, AlertStatus, Person

SKIP_NOTE = "skip"


def _outcomes(data: Data) -> Sequence[Option]:
    return [Option(str(i), label) for i, label in enumerate(data["outcomes"])]


RESOLVE = Flow(
    name="resolve",
    title="resolving an alert",
    steps=(
        Step(
            name="outcome",
            ask=lambda d: f"Resolve alert {d['ref']}: what was the outcome?",
            expects=Choose(_outcomes),
            save_as="outcome",
        ),
        Step(
            name="note",
            ask=lambda _: "Add a short note for the record, or tap Skip.",
            expects=FreeText(max_length=500, shortcuts=(Option(SKIP_NOTE, "Skip the note"),)),
            save_as="note",
        ),
    ),
    asks_to_resume=False,
)


def resolve_data(alert: Alert, ctx: ServiceContext) -> dict[str, Any]:
    """What the flow needs to start for one alert."""
    outcomes = list(ctx.config.escalation.outcomes)
    return {"alert": alert.id, "ref": alert.ref, "outcomes": outcomes}


async def prepare_resolve(
    uow: AsyncSession, person: Person, ctx: ServiceContext, argument: str | None
) -> dict[str, Any] | str:
    """Resolving starts from an alert's Resolve button, not from a command."""
    return "To resolve an alert, tap ☑️ Resolve on its message, or send /alerts."


async def finish_resolve(
    uow: AsyncSession, person: Person, data: dict[str, Any], ctx: ServiceContext
) -> str:
    """Close the alert with the chosen outcome."""
    alert = await uow.get(Alert, int(data["alert"]))
    if alert is None:
        return "That alert no longer exists."
    outcome = str(data["outcomes"][int(data["outcome"])])
    note = None if data["note"] == SKIP_NOTE else str(data["note"])
    # Checked again now, not only when the flow started: a role or the holder may have changed.
    if person.role not in RESPONDERS:
        return f"Your role has changed, so you can no longer resolve alert {alert.ref}."
    if await resolve_alert(uow, alert, person, outcome=outcome, note=note, ctx=ctx):
        return f"☑️ Alert {alert.ref} resolved: {outcome}."
    if alert.status == AlertStatus.RESOLVED.value:
        return f"Alert {alert.ref} was already resolved ({alert.outcome})."
    if alert.status == AlertStatus.OPEN.value:
        return f"Alert {alert.ref} is back with the chain: acknowledge it again to resolve it."
    holder = (
        await uow.get(Person, alert.acknowledged_by_id) if alert.acknowledged_by_id else None
    )
    who = holder.first_name if holder else "Someone else"
    return f"{who} has taken over alert {alert.ref}, so it is theirs to resolve."


# Not offered in any menu: an alert's Resolve button opens it (see conversations/alert_buttons).
RESOLVE_ALERT = Capability(
    RESOLVE.name,
    RESPONDERS,
    FlowSpec(RESOLVE, prepare_resolve, finish_resolve),
    is_urgent=True,
)
