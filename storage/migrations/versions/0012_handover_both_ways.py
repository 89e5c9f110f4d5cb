"""The handover card both ways: read receipts, updates, return cards, children not mobile.

`handover_cards` gains `read_at`/`read_by_id` (the worker's *Read*) and `updates_id` (a card
sent again for the same session names the one it updates). `return_cards` keeps what the
worker tells the carers after a session. `children.is_independently_mobile` is false for a
child who can't get about on their own (a mark on them raises a safeguarding alert).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 13:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("children") as batch:
        batch.add_column(
            sa.Column(
                "is_independently_mobile", sa.Boolean(), nullable=False, server_default=sa.true()
            )
        )
    with op.batch_alter_table("handover_cards") as batch:
        batch.add_column(sa.Column("updates_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("read_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("read_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_handover_cards_updates_id_handover_cards"),
            "handover_cards",
            ["updates_id"],
            ["id"],
        )
        batch.create_foreign_key(
            op.f("fk_handover_cards_read_by_id_people"), "people", ["read_by_id"], ["id"]
        )
    op.create_table(
        "return_cards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("attended", sa.Text(), nullable=False),
        sa.Column("food", sa.Text(), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.Column("sleep", sa.Text(), nullable=False),
        sa.Column("mood", sa.Text(), nullable=False),
        sa.Column("incident", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"], ["sessions.id"], name=op.f("fk_return_cards_session_id_sessions")
        ),
        sa.ForeignKeyConstraint(
            ["worker_id"], ["people.id"], name=op.f("fk_return_cards_worker_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_cards")),
    )
    op.create_index(
        op.f("ix_return_cards_session_id"), "return_cards", ["session_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_return_cards_session_id"), table_name="return_cards")
    op.drop_table("return_cards")
    with op.batch_alter_table("handover_cards") as batch:
        batch.drop_constraint(op.f("fk_handover_cards_read_by_id_people"), type_="foreignkey")
        batch.drop_constraint(
            op.f("fk_handover_cards_updates_id_handover_cards"), type_="foreignkey"
        )
        batch.drop_column("read_by_id")
        batch.drop_column("read_at")
        batch.drop_column("updates_id")
    with op.batch_alter_table("children") as batch:
        batch.drop_column("is_independently_mobile")
