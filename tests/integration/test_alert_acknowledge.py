"""Two people acknowledging the same alert at the same moment, in two transactions: one wins."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from handlers.alerts.raising import acknowledge_alert, raise_alert
from handlers.people.identity import find_person
from handlers.people.importing import import_records
from handlers.service.clock import FakeClock
from handlers.service.config import ServiceConfig
from handlers.service.context import ServiceContext
from storage.database import Database
from storage.models import Alert, AuditEvent, Severity
from tests.e2e.fixtures import ALERT_STAFF, MONDAY_MORNING, PEOPLE


async def test_concurrent_acknowledgements_have_exactly_one_winner(
    database: Database, service_config: ServiceConfig
) -> None:
    ctx = ServiceContext(service_config, FakeClock(MONDAY_MORNING))
    async with database.unit_of_work() as uow:
        await import_records(uow, service_config, now=ctx.now(), people=PEOPLE + ALERT_STAFF)
        worker = await find_person(uow, "W1")
        assert worker is not None
        alert, _ = await raise_alert(
            uow, worker, severity=Severity.URGENT, session_id=None, note=None, ctx=ctx
        )
        alert_id = alert.id

    async def acknowledge(ref: str) -> bool:
        async with database.unit_of_work() as uow:
            person = await find_person(uow, ref)
            row = await uow.get(Alert, alert_id)
            assert person is not None and row is not None
            return (await acknowledge_alert(uow, row, person, ctx)).is_winner

    results = await asyncio.gather(*(acknowledge(ref) for ref in ("SN1", "M1", "TM1", "K1")))
    assert sorted(results) == [False, False, False, True]
    async with database.unit_of_work() as uow:
        acknowledged = await uow.scalar(
            select(func.count()).where(AuditEvent.action == "alert.acknowledged")
        )
    assert acknowledged == 1
