"""Welfare check-ins against a real database: the import's `setting` and `lone`, one check per
due time however often it is worked out, a miss claimed once, and an answer that loses the race
to the claim told so."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from handlers.alerts import raise_missed_welfare_check
from handlers.people.importing import ImportFailed, import_records
from handlers.service.clock import FakeClock
from handlers.service.config import ServiceConfig
from handlers.service.context import ServiceContext
from handlers.sessions import (
    WelfareAnswer,
    answer_welfare_check,
    ask_welfare_checks,
    claim_missed_checks,
    record_welfare_alert,
)
from scheduler.due_work import DueWork
from storage.database import Database
from storage.models import Alert, Person, Session, WelfareCheck
from tests.e2e.fixtures import CHILDREN, MONDAY_MORNING, PEOPLE

HEADER = "ref,venue,room,date,start,end,worker_ref,child_refs,supervision,setting,lone\n"
SESSIONS = (
    HEADER
    + "W0,coffee-hall,,2026-11-23,10:00,11:30,W1,CH1,full,community,\n"
    + "W1,greenleys,,2026-11-23,10:00,11:30,W2,CH3,full,,yes\n"
    + "W2,coffee-hall,Room 1,2026-11-23,10:00,11:30,W1,CH2,full,,\n"
)


async def _import(database: Database, config: ServiceConfig, sessions: str) -> None:
    async with database.unit_of_work() as uow:
        await import_records(
            uow, config, now=MONDAY_MORNING, people=PEOPLE, children=CHILDREN, sessions=sessions
        )


async def test_the_import_keeps_setting_and_lone_and_refuses_another_setting(
    database: Database, service_config: ServiceConfig
) -> None:
    await _import(database, service_config, SESSIONS)
    async with database.unit_of_work() as uow:
        found = {s.ref: (s.setting, s.is_lone) for s in await uow.scalars(select(Session))}
    assert found == {
        "W0": ("community", False),
        "W1": ("centre", True),
        "W2": ("centre", False),
    }
    with pytest.raises(ImportFailed) as failed:
        at_home = "W3,coffee-hall,,2026-11-23,10:00,11:00,W1,CH1,,home,\n"
        await _import(database, service_config, HEADER + at_home)
    assert any("sessions.csv row 2: setting" in e for e in failed.value.errors), failed.value.errors


async def test_each_check_is_asked_once_and_a_miss_is_claimed_once(
    database: Database, service_config: ServiceConfig
) -> None:
    await _import(database, service_config, SESSIONS)
    clock = FakeClock(MONDAY_MORNING + timedelta(minutes=30))
    ctx = ServiceContext(service_config, clock)
    for _ in range(2):
        async with database.unit_of_work() as uow:
            await ask_welfare_checks(uow, ctx, clock.now())
    async with database.unit_of_work() as uow:
        checks = list(await uow.scalars(select(WelfareCheck).order_by(WelfareCheck.id)))
        refs = [(await uow.get(Session, c.session_id)).ref for c in checks]  # type: ignore[union-attr]
    assert refs == ["W0", "W1"]  # the centre session with company has none

    clock.advance(timedelta(minutes=10))
    async with database.unit_of_work() as uow:  # as the scheduler does it
        missed = await claim_missed_checks(uow, ctx, clock.now())
        for one in missed:
            alert, _ = await raise_missed_welfare_check(
                uow, one.worker, session_id=one.session_id, note=one.note, ctx=ctx
            )
            await record_welfare_alert(uow, one, alert.id, clock.now())
    assert [m.note for m in missed] == [
        "No answer to the welfare check at 10:30 from Wren, session W0 at Coffee Hall, in the "
        "community.",
        "No answer to the welfare check at 10:30 from Will, session W1 at Greenleys, lone working.",
    ]
    async with database.unit_of_work() as uow:
        assert await claim_missed_checks(uow, ctx, clock.now()) == []
        worker = await uow.scalar(select(Person).where(Person.ref == "W1"))
        assert worker is not None
        answered = await answer_welfare_check(
            uow, worker=worker, data=f"wf:{checks[0].id}", ctx=ctx
        )
    assert answered.outcome is WelfareAnswer.ALERT_RAISED
    async with database.unit_of_work() as uow:
        alerts = list(await uow.scalars(select(Alert).order_by(Alert.id)))
    assert [(a.severity, a.origin, a.session_id) for a in alerts] == [
        ("urgent", "welfare", checks[0].session_id),
        ("urgent", "welfare", checks[1].session_id),
    ]


async def test_a_check_for_a_session_ended_meanwhile_raises_nothing(
    database: Database, service_config: ServiceConfig
) -> None:
    await _import(database, service_config, SESSIONS)
    clock = FakeClock(MONDAY_MORNING + timedelta(minutes=30))
    ctx = ServiceContext(service_config, clock)
    async with database.unit_of_work() as uow:
        await ask_welfare_checks(uow, ctx, clock.now())
        for booked in await uow.scalars(select(Session)):
            booked.ended_at = clock.now() + timedelta(minutes=5)
    clock.advance(timedelta(minutes=30))
    async with database.unit_of_work() as uow:
        assert await claim_missed_checks(uow, ctx, clock.now()) == []
        assert await ask_welfare_checks(uow, ctx, clock.now()) == 0
        check = await uow.scalar(select(WelfareCheck).order_by(WelfareCheck.id))
        assert check is not None and check.missed_at is not None and check.alert_id is None
        worker = await uow.get(Person, check.worker_id)
        assert worker is not None
        late = await answer_welfare_check(uow, worker=worker, data=f"wf:{check.id}", ctx=ctx)
    assert late.outcome is WelfareAnswer.CLOSED


async def test_two_instances_ticking_at_once_raise_one_alert_per_miss(
    database: Database, service_config: ServiceConfig
) -> None:
    if not database.is_postgres:
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises them)")
    await _import(database, service_config, SESSIONS)
    clock = FakeClock(MONDAY_MORNING + timedelta(minutes=30))
    ctx = ServiceContext(service_config, clock)
    async with database.unit_of_work() as uow:
        await ask_welfare_checks(uow, ctx, clock.now())
    clock.advance(timedelta(minutes=10))

    async def tick() -> int:
        async with database.unit_of_work() as uow:
            missed = await claim_missed_checks(uow, ctx, clock.now())
            for one in missed:
                alert, _ = await raise_missed_welfare_check(
                    uow, one.worker, session_id=one.session_id, note=one.note, ctx=ctx
                )
                await record_welfare_alert(uow, one, alert.id, clock.now())
            return len(missed)

    assert sum(await asyncio.gather(tick(), tick())) == 2
    async with database.unit_of_work() as uow:
        assert len(list(await uow.scalars(select(Alert)))) == 2


async def test_each_missed_check_is_handed_to_the_sender_as_soon_as_its_alert_is_raised(
    database: Database, service_config: ServiceConfig
) -> None:
    await _import(database, service_config, SESSIONS)
    clock = FakeClock(MONDAY_MORNING + timedelta(minutes=30))
    ctx = ServiceContext(service_config, clock)
    async with database.unit_of_work() as uow:
        await ask_welfare_checks(uow, ctx, clock.now())
    clock.advance(timedelta(minutes=10))
    wakes: list[int] = []
    due = DueWork(
        database, ctx, on_queued=lambda: wakes.append(1), on_next_deadline=lambda _at: None
    )
    await due.run_once()
    async with database.unit_of_work() as uow:
        alerts = list(await uow.scalars(select(Alert).order_by(Alert.id)))
    assert [a.origin for a in alerts] == ["welfare", "welfare"]
    # Woken as each alert is committed (two), then once at the end of the pass: one unit of
    # work for both would have woken it once, after both.
    assert len(wakes) == 3
