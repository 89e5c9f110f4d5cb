"""The worker's notes during a session: append-only, enforced by the ORM and the database.

A note is never changed or deleted; an amendment is a new note naming the one it amends, with
its reason. The triggers match migration 0014, for schemas made with metadata.create_all.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import DDL, ForeignKey, Integer, String, Text, event
from sqlalchemy.orm import Mapped, ORMExecuteState, mapped_column
from sqlalchemy.orm import Session as OrmSession

from storage.base import Base, UTCDateTime

NOTES_TABLE = "session_notes"
NOTES_REFUSAL = "session notes are append-only"


class NoteKind(enum.StrEnum):
    """What a note records (stored; never renamed)."""

    OBSERVED = "observed"  # what was seen and heard
    SAID = "said"  # words as spoken, quoted
    REPORTED = "reported"  # what someone else said, with who
    VIEW = "view"  # the worker's professional opinion, labelled as such


class NotesAreAppendOnly(Exception):
    """Raised when code tries to change or delete a session note."""


class SessionNote(Base):
    """One note as the worker wrote it, with its kind, author and time."""

    __tablename__ = NOTES_TABLE

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(120), nullable=True)  # who, when reported
    written_at: Mapped[datetime] = mapped_column(UTCDateTime)
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("session_notes.id"), nullable=True)
    amend_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


POSTGRES_NOTE_TRIGGERS = (
    "CREATE OR REPLACE FUNCTION session_notes_refuse_change() RETURNS trigger AS $$ "
    f"BEGIN RAISE EXCEPTION '{NOTES_REFUSAL}'; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER session_notes_no_update BEFORE UPDATE ON session_notes "
    "FOR EACH ROW EXECUTE FUNCTION session_notes_refuse_change()",
    "CREATE TRIGGER session_notes_no_delete BEFORE DELETE ON session_notes "
    "FOR EACH ROW EXECUTE FUNCTION session_notes_refuse_change()",
    "CREATE TRIGGER session_notes_no_truncate BEFORE TRUNCATE ON session_notes "
    "FOR EACH STATEMENT EXECUTE FUNCTION session_notes_refuse_change()",
)
SQLITE_NOTE_TRIGGERS = (
    "CREATE TRIGGER session_notes_no_update BEFORE UPDATE ON session_notes "
    f"BEGIN SELECT RAISE(ABORT, '{NOTES_REFUSAL}'); END",
    "CREATE TRIGGER session_notes_no_delete BEFORE DELETE ON session_notes "
    f"BEGIN SELECT RAISE(ABORT, '{NOTES_REFUSAL}'); END",
)

for _dialect, _statements in (
    ("postgresql", POSTGRES_NOTE_TRIGGERS),
    ("sqlite", SQLITE_NOTE_TRIGGERS),
):
    for _sql in _statements:
        _ddl = DDL(_sql)  # type: ignore[no-untyped-call]
        event.listen(SessionNote.__table__, "after_create", _ddl.execute_if(dialect=_dialect))


@event.listens_for(SessionNote, "before_update")
def _refuse_note_update(*_: object) -> None:
    raise NotesAreAppendOnly(NOTES_REFUSAL)


@event.listens_for(SessionNote, "before_delete")
def _refuse_note_delete(*_: object) -> None:
    raise NotesAreAppendOnly(NOTES_REFUSAL)


@event.listens_for(OrmSession, "do_orm_execute")
def _refuse_bulk_note_change(state: ORMExecuteState) -> None:
    """Bulk `update(SessionNote)` / `delete(SessionNote)` skip the per-object hooks above."""
    if not (state.is_update or state.is_delete):
        return
    table: Any = getattr(state.statement, "table", None)
    if getattr(table, "name", None) == NOTES_TABLE:
        raise NotesAreAppendOnly(NOTES_REFUSAL)
