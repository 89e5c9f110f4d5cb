"""Sessions called off (when, by whom, why) and the sessions an illness report affects.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 13:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("cancelled_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("cancel_reason", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("cancel_note", sa.Text(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_sessions_cancelled_by_id_people"), "people", ["cancelled_by_id"], ["id"]
        )
    with op.batch_alter_table("illness_reports") as batch:
        batch.add_column(sa.Column("affected_session_ids", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("decision", sa.String(length=10), nullable=True))
        batch.add_column(sa.Column("decided_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key(
            op.f("fk_illness_reports_decided_by_id_people"), "people", ["decided_by_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("illness_reports") as batch:
        batch.drop_constraint(op.f("fk_illness_reports_decided_by_id_people"), type_="foreignkey")
        batch.drop_column("decided_at")
        batch.drop_column("decided_by_id")
        batch.drop_column("decision")
        batch.drop_column("affected_session_ids")
    with op.batch_alter_table("sessions") as batch:
        batch.drop_constraint(op.f("fk_sessions_cancelled_by_id_people"), type_="foreignkey")
        batch.drop_column("cancel_note")
        batch.drop_column("cancel_reason")
        batch.drop_column("cancelled_by_id")
        batch.drop_column("cancelled_at")
