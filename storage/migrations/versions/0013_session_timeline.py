"""What the worker must know, and the session's timeline of arrivals and departures.

`children` gain `needs` and `risks`; `sessions` gain the people allowed to attend (`attendees`,
initials and references) and, for a parent and carer who must not meet, `is_no_meet` with each
one's arrival and departure times. `session_events` holds the marks a worker makes (parent
arrived, child arrived, started, parent left, child handed back, waited for the parent): one of
each kind per session, never updated or deleted (triggers refuse it).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

REFUSAL = "session events are append-only"


def upgrade() -> None:
    with op.batch_alter_table("children") as batch:
        batch.add_column(sa.Column("needs", sa.Text(), nullable=True))
        batch.add_column(sa.Column("risks", sa.Text(), nullable=True))
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("attendees", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column("is_no_meet", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        for name in (
            "parent_arrives_at",
            "parent_leaves_at",
            "carer_arrives_at",
            "carer_leaves_at",
        ):
            batch.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "session_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by_person_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"], ["sessions.id"], name=op.f("fk_session_events_session_id_sessions")
        ),
        sa.ForeignKeyConstraint(
            ["by_person_id"], ["people.id"], name=op.f("fk_session_events_by_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_events")),
        sa.UniqueConstraint("session_id", "kind", name=op.f("uq_session_events_session_id")),
    )
    op.create_index(
        op.f("ix_session_events_session_id"), "session_events", ["session_id"], unique=False
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION session_events_refuse_change() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{REFUSAL}'; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER session_events_no_update BEFORE UPDATE OR DELETE ON session_events "
            "FOR EACH ROW EXECUTE FUNCTION session_events_refuse_change()"
        )
        op.execute(
            "CREATE TRIGGER session_events_no_truncate BEFORE TRUNCATE ON session_events "
            "FOR EACH STATEMENT EXECUTE FUNCTION session_events_refuse_change()"
        )
    else:
        op.execute(
            "CREATE TRIGGER session_events_no_update BEFORE UPDATE ON session_events "
            f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
        )
        op.execute(
            "CREATE TRIGGER session_events_no_delete BEFORE DELETE ON session_events "
            f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS session_events_no_truncate ON session_events")
        op.execute("DROP TRIGGER IF EXISTS session_events_no_update ON session_events")
        op.execute("DROP FUNCTION IF EXISTS session_events_refuse_change()")
    op.drop_index(op.f("ix_session_events_session_id"), table_name="session_events")
    op.drop_table("session_events")
    with op.batch_alter_table("sessions") as batch:
        for name in (
            "carer_leaves_at",
            "carer_arrives_at",
            "parent_leaves_at",
            "parent_arrives_at",
        ):
            batch.drop_column(name)
        batch.drop_column("is_no_meet")
        batch.drop_column("attendees")
    with op.batch_alter_table("children") as batch:
        batch.drop_column("risks")
        batch.drop_column("needs")
