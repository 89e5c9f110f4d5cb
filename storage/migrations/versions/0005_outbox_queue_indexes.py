"""Outbox indexes for a claim that costs the same however many messages wait.

The claim walks pending rows in send order (priority, id) and stops after a batch's worth, and
looks up the few rows on their way (not_before in the future), and the edits of a message,
directly; the old index (status, priority, not_before) made each of them read every pending row.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 05:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_outbox_due", table_name="outbox")
    op.create_index("ix_outbox_queue", "outbox", ["status", "priority", "id"], unique=False)
    op.create_index("ix_outbox_due", "outbox", ["status", "not_before"], unique=False)
    op.create_index("ix_outbox_edit_of", "outbox", ["edit_of_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_outbox_edit_of", table_name="outbox")
    op.drop_index("ix_outbox_due", table_name="outbox")
    op.drop_index("ix_outbox_queue", table_name="outbox")
    op.create_index("ix_outbox_due", "outbox", ["status", "priority", "not_before"], unique=False)
