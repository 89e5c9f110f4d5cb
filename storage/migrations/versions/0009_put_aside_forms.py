"""Conversations that never lose an answer.

`conversations` gains `tag` (fixed for a conversation, so an old Cancel button still cancels
it), `prompt_key` (the outbox row of the question on screen, whose buttons go once it is
answered or replaced) and `return_to` (the summary to go back to while one answer is changed).
`put_aside_forms` keeps a form a person left, idle or for another one, with its answers, one
per person and flow, until they carry on, discard it, or it is older than the service allows.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 08:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("tag", sa.String(length=12), nullable=True))
        batch.add_column(sa.Column("prompt_key", sa.String(length=120), nullable=True))
        batch.add_column(sa.Column("return_to", sa.String(length=40), nullable=True))
    op.create_table(
        "put_aside_forms",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("flow", sa.String(length=40), nullable=False),
        sa.Column("step", sa.String(length=40), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.Column("tag", sa.String(length=12), nullable=True),
        sa.Column("return_to", sa.String(length=40), nullable=True),
        sa.Column("put_aside_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_put_aside_forms_person_id_people")
        ),
        sa.PrimaryKeyConstraint("person_id", "flow", name=op.f("pk_put_aside_forms")),
    )
    op.create_index(
        op.f("ix_put_aside_forms_put_aside_at"), "put_aside_forms", ["put_aside_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_put_aside_forms_put_aside_at"), table_name="put_aside_forms")
    op.drop_table("put_aside_forms")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("return_to")
        batch.drop_column("prompt_key")
        batch.drop_column("tag")
