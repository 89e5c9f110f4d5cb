"""Two bot instances on one database share the alert work: no duplicate ping, no missed step."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from bot.app import FamilyTimeApp
from bot.wiring import make_gateway
from handlers.alerts.raising import raise_alert
from handlers.people.identity import find_person
from handlers.service.context import ServiceContext
from storage.models import AuditEvent, Severity
from tests.e2e.alert_steps import setup
from tests.e2e.fixtures import COORDINATOR, MANAGER, SENIOR, TEAM_MANAGER, WORKER
from tests.e2e.harness import SCENARIO_LIMITS, TOKEN, Harness

ALERTS = 12


async def test_two_instances_never_double_ping_or_miss_an_escalation(harness: Harness) -> None:
    h = harness
    await setup(h)
    before = Counter(m.chat_id for m in h.emulator.all_bot_messages())
    gateway = make_gateway(h.runtime, TOKEN, h.root, poll_timeout=1)
    second = FamilyTimeApp(
        h.db,
        gateway,
        h.config,
        h.clock,
        poll_timeout=1,
        tick_seconds=0.2,
        receives_updates=False,
        limits=SCENARIO_LIMITS,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(second.run(stop))
    try:
        await asyncio.wait_for(second.ready.wait(), 10)
        ctx = ServiceContext(h.config, h.clock, "familytime_test_bot")
        for _ in range(ALERTS):
            async with h.db.unit_of_work() as uow:
                worker = await find_person(uow, "W1")
                assert worker is not None
                await raise_alert(
                    uow, worker, severity=Severity.URGENT, session_id=None, note=None, ctx=ctx
                )
        second.wake()
        await h.advance(timedelta(seconds=1))
        second.wake()
        await h.advance(timedelta(minutes=5))  # every alert's first deadline passes at once
        second.wake()
        await h.settle()
    finally:
        stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 15)

    received = Counter(m.chat_id for m in h.emulator.all_bot_messages()) - before
    assert received[SENIOR] == ALERTS
    assert received[MANAGER] == 2 * ALERTS  # level 1 on site, and level 2
    assert received[TEAM_MANAGER] == ALERTS and received[COORDINATOR] == ALERTS
    assert received[WORKER] == ALERTS  # each worker hears once that it has gone up
    async with h.db.unit_of_work() as uow:
        passed = await uow.scalar(
            select(func.count()).where(AuditEvent.action == "alert.deadline_passed")
        )
    assert passed == ALERTS
