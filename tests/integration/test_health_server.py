"""/healthz and /metrics on their own address; the whole-table totals are read only so often."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.health_server import HealthServer
from handlers.service.clock import FakeClock
from storage.database import Database
from storage.models import OutboxMessage
from tests.e2e.fixtures import MONDAY_MORNING, STRANGER

PENDING = 'familytime_outbox_messages_total{outcome="pending"}'


async def _add_pending(db: Database) -> None:
    async with db.unit_of_work() as uow:
        uow.add(
            OutboxMessage(
                chat_id=STRANGER,
                payload={"kind": "send", "text": "waiting", "keyboard": []},
                priority=10,
                status="pending",
                attempts=0,
                created_at=MONDAY_MORNING,
                not_before=MONDAY_MORNING,
            )
        )


async def _scrape(port: int) -> str:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{port}/metrics") as r,
    ):
        assert r.status == 200
        return await r.text()


def _pending(metrics: str) -> float:
    line = next(line for line in metrics.splitlines() if line.startswith(PENDING))
    return float(line.split()[-1])


@pytest.fixture
async def served(database: Database) -> AsyncIterator[tuple[Database, HealthServer]]:
    yield database, HealthServer(database, FakeClock(MONDAY_MORNING), totals_max_age=3600)


async def test_totals_are_counted_once_per_interval_however_often_scraped(
    served: tuple[Database, HealthServer],
) -> None:
    db, server = served
    port = await server.start("127.0.0.1", 0)
    try:
        await _add_pending(db)
        first = await _scrape(port)
        await _add_pending(db)
        second = await _scrape(port)
    finally:
        await server.stop()
    assert _pending(first) == _pending(second) == 1.0  # the totals, kept for the hour
    assert "familytime_outbox_depth 2.0" in second  # the cheap figures are always fresh


async def test_totals_older_than_the_interval_are_counted_again(database: Database) -> None:
    server = HealthServer(database, FakeClock(MONDAY_MORNING), totals_max_age=0)
    port = await server.start("127.0.0.1", 0)
    try:
        await _add_pending(database)
        first = await _scrape(port)
        await _add_pending(database)
        second = await _scrape(port)
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{port}/healthz") as r,
        ):
            assert r.status == 200 and (await r.json())["outbox_depth"] == 2
    finally:
        await server.stop()
    assert (_pending(first), _pending(second)) == (1.0, 2.0)
