"""Steps shared by the alert scenarios: staff on the rota and linked, an alert raised."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.emulator import EmulatedMessage
from handlers.alerts.rota import add_shift
from handlers.people.identity import find_person
from storage.models import Alert
from tests.e2e.fixtures import (
    ALERT_STAFF,
    CHILDREN,
    COORDINATOR,
    MANAGER,
    PEOPLE,
    SENIOR,
    SESSION_TODAY,
    SESSIONS,
    TEAM_MANAGER,
    WORKER,
)
from tests.e2e.harness import Harness

STAFF = ((WORKER, "W1"), (SENIOR, "SN1"), (MANAGER, "M1"), (TEAM_MANAGER, "TM1"))


async def on_rota(h: Harness, ref: str, *, on_call: bool = False) -> None:
    """Put someone on site at Coffee Hall (or on call) for the whole day around the clock's now."""
    async with h.db.unit_of_work() as uow:
        person = await find_person(uow, ref)
        assert person is not None
        now = h.clock.now()
        await add_shift(
            uow,
            person,
            venue_code=None if on_call else "coffee-hall",
            starts_at=now - timedelta(hours=2),
            ends_at=now + timedelta(hours=8),
            is_on_call=on_call,
            now=now,
        )


async def setup(
    h: Harness, *, rota: tuple[str, ...] = ("SN1", "M1"), link_all: bool = True
) -> None:
    await h.import_records(
        people=PEOPLE + ALERT_STAFF, children=CHILDREN, sessions=SESSIONS + SESSION_TODAY
    )
    for ref in rota:
        await on_rota(h, ref)
    if link_all:
        for user_id, ref in (*STAFF, (COORDINATOR, "K1")):
            await h.link(user_id, ref)


async def raise_urgent(h: Harness, note: str | None = None) -> None:
    """/alert, then two taps: severity and Send now (or a typed note)."""
    await h.send(WORKER, "/alert")
    (prompt,) = h.unread(WORKER)
    assert "S0" in prompt.text, prompt.text
    await h.press(WORKER, "Urgent concern")
    h.unread(WORKER)
    if note is None:
        await h.press(WORKER, "Send now")
    else:
        await h.send(WORKER, note)


def one_ping(h: Harness, user_id: int) -> EmulatedMessage:
    messages = h.unread(user_id)
    assert len(messages) == 1, [m.text for m in messages]
    return messages[0]


async def alert_row(h: Harness) -> Alert:
    async with h.db.unit_of_work() as uow:
        alert = await uow.scalar(select(Alert))
        assert alert is not None
        return alert


async def alert_pinged_on_site(h: Harness, *, already_set_up: bool = False) -> None:
    """The usual start: staff ready, an urgent alert raised, the senior and manager pinged."""
    if not already_set_up:
        await setup(h)
    await raise_urgent(h)
    h.unread(WORKER)
    one_ping(h, SENIOR)
    one_ping(h, MANAGER)
