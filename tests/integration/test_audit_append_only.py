"""The audit timeline can't be changed or emptied: the ORM and the database itself refuse."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError

from handlers.service.audit import record_audit
from storage.audit_guard import REFUSAL
from storage.database import Database
from storage.models import AuditEvent, AuditIsAppendOnly, Base

AT = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


async def _one_event(database: Database) -> int:
    async with database.unit_of_work() as uow:
        event = record_audit(uow, "test.recorded", at=AT, subject="alert:1", note="as said")
        await uow.flush()
        return event.id


async def _still_there(database: Database, event_id: int) -> None:
    async with database.unit_of_work() as uow:
        event = await uow.get(AuditEvent, event_id)
        assert event is not None and event.note == "as said" and event.action == "test.recorded"
        assert await uow.scalar(select(func.count()).select_from(AuditEvent)) == 1


STATEMENTS = {
    "orm_bulk_update": lambda: update(AuditEvent).values(note="changed"),
    "orm_bulk_delete": lambda: delete(AuditEvent),
    "core_update": lambda: update(AuditEvent.__table__).values(note="changed"),
    "core_delete": lambda: delete(AuditEvent.__table__),
}


@pytest.mark.parametrize("kind", sorted(STATEMENTS))
async def test_bulk_statements_on_the_timeline_are_refused_by_the_orm(
    database: Database, kind: str
) -> None:
    event_id = await _one_event(database)
    with pytest.raises(AuditIsAppendOnly):
        async with database.unit_of_work() as uow:
            await uow.execute(STATEMENTS[kind]())
    await _still_there(database, event_id)


async def test_changing_a_loaded_event_is_refused(database: Database) -> None:
    event_id = await _one_event(database)
    with pytest.raises(AuditIsAppendOnly):
        async with database.unit_of_work() as uow:
            event = await uow.get(AuditEvent, event_id)
            assert event is not None
            event.note = "changed"
    with pytest.raises(AuditIsAppendOnly):
        async with database.unit_of_work() as uow:
            event = await uow.get(AuditEvent, event_id)
            await uow.delete(event)
    await _still_there(database, event_id)


RAW_SQL = {
    "update": "UPDATE audit_events SET note = 'changed'",
    "delete": "DELETE FROM audit_events",
    "delete_one": "DELETE FROM audit_events WHERE id = 1",
    "truncate": "TRUNCATE audit_events",
}


@pytest.mark.parametrize("kind", sorted(RAW_SQL))
async def test_raw_sql_on_the_timeline_is_refused_by_the_database(
    database: Database, kind: str
) -> None:
    if kind == "truncate" and database.is_sqlite:
        pytest.skip("SQLite has no TRUNCATE")
    event_id = await _one_event(database)
    with pytest.raises(DBAPIError, match=REFUSAL):
        async with database.engine.begin() as connection:
            await connection.execute(text(RAW_SQL[kind]))
    await _still_there(database, event_id)


async def test_a_schema_made_with_create_all_gets_the_triggers_too(database: Database) -> None:
    async with database.engine.begin() as connection:
        if database.is_postgres:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
        else:
            await connection.run_sync(Base.metadata.drop_all)
            await connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        await connection.run_sync(Base.metadata.create_all)
    event_id = await _one_event(database)
    for kind in sorted(RAW_SQL):
        if kind == "truncate" and database.is_sqlite:
            continue
        with pytest.raises(DBAPIError, match=REFUSAL):
            async with database.engine.begin() as connection:
                await connection.execute(text(RAW_SQL[kind]))
    await _still_there(database, event_id)
