"""The worker's notes during a session (append-only), and how a session ended.

`session_notes` keeps each note with its kind, author and time; UPDATE and DELETE are refused
by triggers on SQLite and PostgreSQL (TRUNCATE too on PostgreSQL), as for the audit timeline.
`sessions` gains the actual end time, who ended it, how (on time or early) and why.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 14:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

REFUSAL = "session notes are append-only"


def upgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("ended_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("end_kind", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("end_reason", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("end_note", sa.Text(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_sessions_ended_by_id_people"), "people", ["ended_by_id"], ["id"]
        )
    op.create_table(
        "session_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=120), nullable=True),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("amends_id", sa.Integer(), nullable=True),
        sa.Column("amend_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"], ["sessions.id"], name=op.f("fk_session_notes_session_id_sessions")
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["people.id"], name=op.f("fk_session_notes_author_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["amends_id"],
            ["session_notes.id"],
            name=op.f("fk_session_notes_amends_id_session_notes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_notes")),
    )
    op.create_index(
        op.f("ix_session_notes_session_id"), "session_notes", ["session_id"], unique=False
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION session_notes_refuse_change() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{REFUSAL}'; END; $$ LANGUAGE plpgsql"
        )
        for verb, scope in (("UPDATE", "ROW"), ("DELETE", "ROW"), ("TRUNCATE", "STATEMENT")):
            op.execute(
                f"CREATE TRIGGER session_notes_no_{verb.lower()} BEFORE {verb} ON session_notes "
                f"FOR EACH {scope} EXECUTE FUNCTION session_notes_refuse_change()"
            )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER session_notes_no_{verb.lower()} BEFORE {verb} ON session_notes "
                f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
            )


def downgrade() -> None:
    op.drop_index(op.f("ix_session_notes_session_id"), table_name="session_notes")
    op.drop_table("session_notes")  # its triggers go with it
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS session_notes_refuse_change()")
    with op.batch_alter_table("sessions") as batch:
        batch.drop_constraint(op.f("fk_sessions_ended_by_id_people"), type_="foreignkey")
        batch.drop_column("end_note")
        batch.drop_column("end_reason")
        batch.drop_column("end_kind")
        batch.drop_column("ended_by_id")
        batch.drop_column("ended_at")
