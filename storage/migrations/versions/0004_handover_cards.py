"""Handover cards: what a carer tells the worker before a session.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 20:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "handover_cards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("carer_id", sa.Integer(), nullable=False),
        sa.Column("marks", sa.Text(), nullable=False),
        sa.Column("care", sa.Text(), nullable=False),
        sa.Column("wellbeing", sa.Text(), nullable=False),
        sa.Column("medication", sa.Text(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["carer_id"], ["people.id"], name=op.f("fk_handover_cards_carer_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"], ["sessions.id"], name=op.f("fk_handover_cards_session_id_sessions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handover_cards")),
    )
    op.create_index(
        op.f("ix_handover_cards_session_id"), "handover_cards", ["session_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_handover_cards_session_id"), table_name="handover_cards")
    op.drop_table("handover_cards")
