"""End-to-end fixtures: every scenario runs on both runtimes and both databases (crossed: see
tests/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import time

import pytest

from handlers.service.config import ServiceConfig
from storage.database import Database
from tests.e2e.fixtures import CHILDREN, MONDAY_MORNING, PEOPLE, SESSIONS
from tests.e2e.harness import Harness


@pytest.fixture(params=["ptb", "aiogram"])
def runtime(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def harness(
    database: Database, service_config: ServiceConfig, runtime: str
) -> AsyncIterator[Harness]:
    # The morning chain check has its own scenario; elsewhere it would add a message to read.
    late_check = service_config.escalation.model_copy(update={"readiness_check": time(23, 59)})
    config = service_config.model_copy(update={"escalation": late_check})
    async with Harness(database, config, runtime, MONDAY_MORNING) as h:
        await h.import_records(people=PEOPLE, children=CHILDREN, sessions=SESSIONS)
        await h.start_bot()
        yield h
