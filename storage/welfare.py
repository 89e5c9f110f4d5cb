"""Welfare check-ins for lone or community sessions: one row per check, answered or missed."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UTCDateTime


class Setting(enum.StrEnum):
    """Where a session happens (stored; never renamed)."""

    CENTRE = "centre"
    COMMUNITY = "community"


class WelfareCheck(Base):
    """One "All OK?" to a session's worker: due at a fixed time, asked once, answered or missed.

    Unique per session and due time, so two instances (or a restart) never ask twice.
    """

    __tablename__ = "welfare_checks"
    __table_args__ = (UniqueConstraint("session_id", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id"), index=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Set once the answer was overdue: the alert raised for it (none if the session had ended).
    missed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id"), nullable=True)
