"""A session's report: its submission, sign-off and sending, and the PDF exactly as sent."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UTCDateTime


class ReportStatus(enum.StrEnum):
    """Where a session's report stands (stored; never renamed)."""

    DUE = "due"  # not submitted yet (the row exists once the worker was reminded)
    SUBMITTED = "submitted"  # submitted; the scheduler is making its PDF (then sent or asked)
    AWAITING_SIGN_OFF = "awaiting_sign_off"
    SENT_BACK = "sent_back"  # a senior asked for changes; the worker can submit again
    SENT = "sent"


class SessionReport(Base):
    """One session's report; the PDF is kept as sent, so what the court reads can be shown."""

    __tablename__ = "session_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id"), unique=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    status: Mapped[str] = mapped_column(String(20), default=ReportStatus.DUE.value)
    # Each submission counts up, so a sign-off button of an earlier one is refused as stale.
    version: Mapped[int] = mapped_column(Integer, default=0)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    sent_back_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    # The overdue reminder to the worker, then the word to the coordinators: once each.
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    coordinators_told_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
