"""Safeguarding alerts, who was pinged about them, and who is on site or on call."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UTCDateTime


class Severity(enum.StrEnum):
    """How serious the worker says it is; each has its own escalation timeouts."""

    IMMEDIATE = "immediate"
    URGENT = "urgent"
    WORRY = "worry"


class AlertStatus(enum.StrEnum):
    """Open until someone acknowledges; acknowledged until resolved with an outcome."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


WELFARE_ORIGIN = "welfare"  # Alert.origin of one the bot raised for a missed welfare check


class Alert(Base):
    """A worry raised by a worker; `due_at` is the next escalation or reminder deadline."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    severity: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(14), default=AlertStatus.OPEN.value)
    raised_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id"), nullable=True)
    venue_code: Mapped[str | None] = mapped_column(ForeignKey("venues.code"), nullable=True)
    room: Mapped[str | None] = mapped_column(String(60), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime)
    is_out_of_hours: Mapped[bool] = mapped_column(Boolean, default=False)
    step: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    is_resolve_reminded: Mapped[bool] = mapped_column(Boolean, default=False)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(80), nullable=True)
    resolution_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Raised by the bot rather than a person: WELFARE_ORIGIN for a missed welfare check-in.
    origin: Mapped[str | None] = mapped_column(String(20), nullable=True)

    __table_args__ = (Index("ix_alerts_due", "status", "due_at"),)

    @property
    def ref(self) -> str:
        """The reference people quote, e.g. 'A12'."""
        return f"A{self.id}"


class AlertPing(Base):
    """One message about an alert to one person; later edits follow its outbox row."""

    __tablename__ = "alert_pings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    step: Mapped[int] = mapped_column(Integer)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    has_failed: Mapped[bool] = mapped_column(Boolean, default=False)


class RotaShift(Base):
    """A person on site at a venue, or on call for the service, for a span of time."""

    __tablename__ = "rota_shifts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    venue_code: Mapped[str | None] = mapped_column(ForeignKey("venues.code"), nullable=True)
    is_on_call: Mapped[bool] = mapped_column(Boolean, default=False)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_rota_when", "starts_at", "ends_at"),)
