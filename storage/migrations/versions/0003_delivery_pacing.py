"""Delivery pacing: Telegram's global and per-chat limits, shared by every instance.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 17:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "delivery_pacing",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("allowed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_delivery_pacing")),
    )


def downgrade() -> None:
    op.drop_table("delivery_pacing")
