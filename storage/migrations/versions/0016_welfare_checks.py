"""Welfare check-ins for lone and community sessions, and alerts the bot raises itself.

`sessions` gain `setting` (centre or community) and `is_lone`; `welfare_checks` holds each
"All OK?" asked of a session's worker (unique per session and due time), when it was answered or
missed and the alert raised for it; `alerts` gain `origin` ("welfare" for a missed check).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(
            sa.Column("setting", sa.String(length=20), nullable=False, server_default="centre")
        )
        batch.add_column(
            sa.Column("is_lone", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("origin", sa.String(length=20), nullable=True))
    op.create_table(
        "welfare_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("missed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"], ["sessions.id"], name=op.f("fk_welfare_checks_session_id_sessions")
        ),
        sa.ForeignKeyConstraint(
            ["worker_id"], ["people.id"], name=op.f("fk_welfare_checks_worker_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_welfare_checks_alert_id_alerts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_welfare_checks")),
        sa.UniqueConstraint(
            "session_id", "due_at", name=op.f("uq_welfare_checks_session_id")
        ),
    )
    op.create_index(
        op.f("ix_welfare_checks_session_id"), "welfare_checks", ["session_id"], unique=False
    )
    op.create_index(
        op.f("ix_welfare_checks_asked_at"), "welfare_checks", ["asked_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_welfare_checks_asked_at"), table_name="welfare_checks")
    op.drop_index(op.f("ix_welfare_checks_session_id"), table_name="welfare_checks")
    op.drop_table("welfare_checks")
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("origin")
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("is_lone")
        batch.drop_column("setting")
