"""Pre-visit bookings.

`previsit_bookings` holds each carer's pre-visit: a seat number 1..capacity of one slot at one
venue, unique per (venue, start, seat), so two carers (or two instances) can never take the same
seat, and a slot never holds more carers than it has seats.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 13:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "previsit_bookings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("carer_id", sa.Integer(), nullable=False),
        sa.Column("venue_code", sa.String(length=40), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seat", sa.Integer(), nullable=False),
        sa.Column("child_ids", sa.JSON(), nullable=False),
        sa.Column("routine", sa.Text(), nullable=False),
        sa.Column("school", sa.Text(), nullable=False),
        sa.Column("clubs", sa.Text(), nullable=False),
        sa.Column("booked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["carer_id"], ["people.id"], name=op.f("fk_previsit_bookings_carer_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_previsit_bookings")),
        sa.UniqueConstraint(
            "venue_code", "starts_at", "seat", name=op.f("uq_previsit_bookings_seat")
        ),
    )
    op.create_index(
        op.f("ix_previsit_bookings_carer_id"), "previsit_bookings", ["carer_id"], unique=False
    )
    op.create_index(
        op.f("ix_previsit_bookings_starts_at"), "previsit_bookings", ["starts_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_previsit_bookings_starts_at"), table_name="previsit_bookings")
    op.drop_index(op.f("ix_previsit_bookings_carer_id"), table_name="previsit_bookings")
    op.drop_table("previsit_bookings")
