"""The audit timeline is append-only: bulk ORM statements refused, and the database's triggers.

The per-object hooks (a loaded event changed or deleted) are next to the model in messaging.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import DDL, event
from sqlalchemy.orm import ORMExecuteState, Session

from storage.messaging import AuditEvent, AuditIsAppendOnly

AUDIT_TABLE = "audit_events"
REFUSAL = "audit events are append-only"

# The same statements as migration 0006 (and 0001's UPDATE trigger), for schemas made with
# metadata.create_all rather than Alembic.
POSTGRES_TRIGGERS = (
    "CREATE OR REPLACE FUNCTION audit_events_refuse_update() RETURNS trigger AS $$ "
    f"BEGIN RAISE EXCEPTION '{REFUSAL}'; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER audit_events_append_only BEFORE UPDATE ON audit_events "
    "FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_update()",
    "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
    "FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_update()",
    "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_update()",
)
SQLITE_TRIGGERS = (
    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
    f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END",
    "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
    f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END",
)

for _dialect, _statements in (("postgresql", POSTGRES_TRIGGERS), ("sqlite", SQLITE_TRIGGERS)):
    for _sql in _statements:
        _ddl = DDL(_sql)  # type: ignore[no-untyped-call]
        event.listen(AuditEvent.__table__, "after_create", _ddl.execute_if(dialect=_dialect))


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_audit_change(state: ORMExecuteState) -> None:
    """Bulk `update(AuditEvent)` / `delete(AuditEvent)` skip the per-object hooks above."""
    if not (state.is_update or state.is_delete):
        return
    table: Any = getattr(state.statement, "table", None)
    if getattr(table, "name", None) == AUDIT_TABLE:
        raise AuditIsAppendOnly(REFUSAL)
