"""A worker's session notes are never edited or deleted: the ORM and the database refuse."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError

from storage.database import Database
from storage.models import (
    Base,
    NoteKind,
    NotesAreAppendOnly,
    Person,
    Session,
    SessionNote,
    Venue,
)
from storage.session_notes import NOTES_REFUSAL

AT = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


async def _one_note(database: Database) -> int:
    async with database.unit_of_work() as uow:
        uow.add(Venue(code="coffee-hall", name="Coffee Hall"))
        worker = Person(
            ref="W1", first_name="Wren", last_name="Testworker", role="worker", created_at=AT
        )
        uow.add(worker)
        await uow.flush()
        booked = Session(
            ref="S0",
            venue_code="coffee-hall",
            starts_at=AT,
            ends_at=AT + timedelta(hours=1),
            worker_id=worker.id,
        )
        uow.add(booked)
        await uow.flush()
        note = SessionNote(
            session_id=booked.id,
            author_id=worker.id,
            kind=NoteKind.OBSERVED.value,
            text="as written",
            written_at=AT,
        )
        uow.add(note)
        await uow.flush()
        return note.id


async def _still_there(database: Database, note_id: int) -> None:
    async with database.unit_of_work() as uow:
        note = await uow.get(SessionNote, note_id)
        assert note is not None and note.text == "as written" and note.kind == "observed"
        assert await uow.scalar(select(func.count()).select_from(SessionNote)) == 1


STATEMENTS = {
    "orm_bulk_update": lambda: update(SessionNote).values(text="changed"),
    "orm_bulk_delete": lambda: delete(SessionNote),
    "core_update": lambda: update(SessionNote.__table__).values(text="changed"),
    "core_delete": lambda: delete(SessionNote.__table__),
}


@pytest.mark.parametrize("kind", sorted(STATEMENTS))
async def test_bulk_statements_on_notes_are_refused_by_the_orm(
    database: Database, kind: str
) -> None:
    note_id = await _one_note(database)
    with pytest.raises(NotesAreAppendOnly):
        async with database.unit_of_work() as uow:
            await uow.execute(STATEMENTS[kind]())
    await _still_there(database, note_id)


async def test_changing_or_deleting_a_loaded_note_is_refused(database: Database) -> None:
    note_id = await _one_note(database)
    with pytest.raises(NotesAreAppendOnly):
        async with database.unit_of_work() as uow:
            note = await uow.get(SessionNote, note_id)
            assert note is not None
            note.text = "changed"
    with pytest.raises(NotesAreAppendOnly):
        async with database.unit_of_work() as uow:
            note = await uow.get(SessionNote, note_id)
            await uow.delete(note)
    await _still_there(database, note_id)


RAW_SQL = {
    "update": "UPDATE session_notes SET text = 'changed'",
    "update_kind": "UPDATE session_notes SET kind = 'view' WHERE id = 1",
    "delete": "DELETE FROM session_notes",
    "truncate": "TRUNCATE session_notes",
}


@pytest.mark.parametrize("kind", sorted(RAW_SQL))
async def test_raw_sql_on_notes_is_refused_by_the_database(database: Database, kind: str) -> None:
    if kind == "truncate" and database.is_sqlite:
        pytest.skip("SQLite has no TRUNCATE")
    note_id = await _one_note(database)
    with pytest.raises(DBAPIError, match=NOTES_REFUSAL):
        async with database.engine.begin() as connection:
            await connection.execute(text(RAW_SQL[kind]))
    await _still_there(database, note_id)


async def test_a_schema_made_with_create_all_refuses_too(database: Database) -> None:
    async with database.engine.begin() as connection:
        if database.is_postgres:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
        else:
            await connection.run_sync(Base.metadata.drop_all)
            await connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        await connection.run_sync(Base.metadata.create_all)
    note_id = await _one_note(database)
    for kind in sorted(RAW_SQL):
        if kind == "truncate" and database.is_sqlite:
            continue
        with pytest.raises(DBAPIError, match=NOTES_REFUSAL):
            async with database.engine.begin() as connection:
                await connection.execute(text(RAW_SQL[kind]))
    await _still_there(database, note_id)
