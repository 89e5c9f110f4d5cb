"""A session's timeline of marks can't be changed or emptied: the database itself refuses."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from handlers.people.importing import import_records
from handlers.service.config import ServiceConfig
from storage.database import Database
from storage.models import Session, SessionEvent
from storage.timeline import REFUSAL
from tests.e2e.fixtures import CHILDREN, MONDAY_MORNING, PEOPLE, SESSIONS

AT = datetime(2026, 11, 24, 9, 44, tzinfo=UTC)
RAW_SQL = {
    "update": "UPDATE session_events SET kind = 'started'",
    "delete": "DELETE FROM session_events",
    "truncate": "TRUNCATE session_events",
}


@pytest.mark.parametrize("kind", sorted(RAW_SQL))
async def test_raw_sql_on_a_sessions_timeline_is_refused_by_the_database(
    database: Database, service_config: ServiceConfig, kind: str
) -> None:
    if kind == "truncate" and database.is_sqlite:
        pytest.skip("SQLite has no TRUNCATE")
    async with database.unit_of_work() as uow:
        await import_records(
            uow,
            service_config,
            now=MONDAY_MORNING,
            people=PEOPLE,
            children=CHILDREN,
            sessions=SESSIONS,
        )
    async with database.unit_of_work() as uow:
        session_id = await uow.scalar(select(Session.id).where(Session.ref == "S1"))
        assert session_id is not None
        uow.add(SessionEvent(session_id=session_id, kind="parent_arrived", at=AT))
    with pytest.raises(DBAPIError, match=REFUSAL):
        async with database.engine.begin() as connection:
            await connection.execute(text(RAW_SQL[kind]))
    async with database.unit_of_work() as uow:
        assert await uow.scalar(select(func.count()).select_from(SessionEvent)) == 1
        assert await uow.scalar(select(SessionEvent.kind)) == "parent_arrived"
