"""A chat's backlog waits out of the claim's way; each account's updates are paced.

`outbox.parked_until` keeps a message that must wait for its chat out of the claims until then;
`delivery_pacing.parked_until` (and `parked_replies_until`, for replies) is the last slot
given to a chat's messages that had to wait, so the next one waiting is put after it;
`sender_pacing` holds how fast each Telegram account's updates are handled and when it was last
told to slow down.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("parked_until", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("delivery_pacing") as batch:
        batch.add_column(sa.Column("parked_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("parked_replies_until", sa.DateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "sender_pacing",
        sa.Column("telegram_user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("allowed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("quiet_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("is_noted", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.PrimaryKeyConstraint("telegram_user_id", name=op.f("pk_sender_pacing")),
    )


def downgrade() -> None:
    op.drop_table("sender_pacing")
    with op.batch_alter_table("delivery_pacing") as batch:
        batch.drop_column("parked_replies_until")
        batch.drop_column("parked_until")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("parked_until")
