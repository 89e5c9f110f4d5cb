"""Telling people what happened to an alert: the worker who raised it, and everyone pinged."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.alerts.messages import alert_facts, ping_keyboard, ping_text
from handlers.delivery.chat import EditMessage, SendMessage
from handlers.delivery.outbox import queue_delivery
from handlers.service.context import ServiceContext
from storage.models import Alert, AlertPing, Person, Priority, Role


def step_key(step: int, event: str) -> str:
    """The part of an outbox dedupe key naming what happened at one step of the alert's climb.

    It says "level" but holds the step (which can repeat the last level): outbox rows already
    stored carry it so (e.g. `alert:7:level:2:person:5`), and a new row must dedupe against
    them, so the stored form stays as it is.
    """
    return f"level:{step}:{event}"


async def tell_raiser(
    uow: AsyncSession, alert: Alert, text: str, *, key: str, now: datetime
) -> None:
    """A protected message about the alert to the worker who raised it, once per `key`.

    A carer whose handover card raised it is not sent how staff handle it: they were told at
    once that it went to the safeguarding lead.
    """
    raiser = await uow.get(Person, alert.raised_by_id)
    if raiser is not None and raiser.role == Role.CARER.value:
        return
    await queue_delivery(
        uow,
        SendMessage(text, protect_content=True),
        now=now,
        person_id=alert.raised_by_id,
        priority=Priority.ALERT,
        dedupe_key=f"alert:{alert.id}:{key}:raiser",
    )


async def tell_person(
    uow: AsyncSession, alert: Alert, person_id: int, text: str, *, key: str, now: datetime
) -> None:
    """A protected message about the alert to one member of staff, once per `key`."""
    await queue_delivery(
        uow,
        SendMessage(text, protect_content=True),
        now=now,
        person_id=person_id,
        priority=Priority.ALERT,
        dedupe_key=f"alert:{alert.id}:{key}:person:{person_id}",
    )


async def tell_raiser_climbed(
    uow: AsyncSession,
    alert: Alert,
    lead: str,
    reached: Sequence[Person],
    *,
    level: int,
    now: datetime,
) -> None:
    """The worker hears each time their alert goes further, and to whom."""
    names = ", ".join(p.first_name for p in reached)
    text = f"⏫ {lead} Alert {alert.ref} is now sent to {names} (level {level})."
    await tell_raiser(uow, alert, text, key=step_key(alert.step, "sent"), now=now)


async def edit_every_ping(
    uow: AsyncSession, alert: Alert, ctx: ServiceContext, now: datetime, status: str, key: str
) -> None:
    """Show everyone who was pinged what has happened, with only the buttons they may use now."""
    facts = await alert_facts(uow, alert)
    pings = await uow.scalars(
        select(AlertPing).where(AlertPing.alert_id == alert.id, AlertPing.has_failed.is_(False))
    )
    for ping in pings:
        person = await uow.get(Person, ping.person_id)
        text = ping_text(facts, ctx, now=ping.created_at, status=status)
        await queue_delivery(
            uow,
            EditMessage(0, text, ping_keyboard(alert, person)),
            now=now,
            person_id=ping.person_id,
            priority=Priority.ALERT,
            dedupe_key=f"alert:{alert.id}:{key}:ping:{ping.id}",
            edit_of_id=ping.outbox_id,
        )
