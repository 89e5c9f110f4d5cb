"""A session's timeline: who arrived, started, left, when; one row per mark, never changed."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import DDL, ForeignKey, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UTCDateTime


class EventKind(enum.StrEnum):
    """What a mark on the timeline says (stored; never renamed)."""

    PARENT_ARRIVED = "parent_arrived"
    CHILD_ARRIVED = "child_arrived"  # with the carer
    STARTED = "started"
    PARENT_LEFT = "parent_left"
    CHILD_RETURNED = "child_returned"  # handed back to the carer
    WAITED_FOR_PARENT = "waited_for_parent"  # the worker chose to wait past the deadline


class SessionEvent(Base):
    """One mark on a session's timeline, with its time and who made it (append-only)."""

    __tablename__ = "session_events"
    __table_args__ = (UniqueConstraint("session_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    by_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


REFUSAL = "session events are append-only"
# The same statements as migration 0013, for schemas made with metadata.create_all.
POSTGRES_TRIGGERS = (
    "CREATE OR REPLACE FUNCTION session_events_refuse_change() RETURNS trigger AS $$ "
    f"BEGIN RAISE EXCEPTION '{REFUSAL}'; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER session_events_no_update BEFORE UPDATE OR DELETE ON session_events "
    "FOR EACH ROW EXECUTE FUNCTION session_events_refuse_change()",
    "CREATE TRIGGER session_events_no_truncate BEFORE TRUNCATE ON session_events "
    "FOR EACH STATEMENT EXECUTE FUNCTION session_events_refuse_change()",
)
SQLITE_TRIGGERS = (
    "CREATE TRIGGER session_events_no_update BEFORE UPDATE ON session_events "
    f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END",
    "CREATE TRIGGER session_events_no_delete BEFORE DELETE ON session_events "
    f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END",
)

for _dialect, _statements in (("postgresql", POSTGRES_TRIGGERS), ("sqlite", SQLITE_TRIGGERS)):
    for _sql in _statements:
        _ddl = DDL(_sql)  # type: ignore[no-untyped-call]
        event.listen(SessionEvent.__table__, "after_create", _ddl.execute_if(dialect=_dialect))
