"""Running totals of rows the retention purge deleted (for /metrics' counters).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

KINDS = ("inbox", "outbox:sent", "outbox:failed")


def upgrade() -> None:
    table = op.create_table(
        "purged_counts",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("kind"),
    )
    op.bulk_insert(table, [{"kind": kind, "count": 0} for kind in KINDS])


def downgrade() -> None:
    op.drop_table("purged_counts")
