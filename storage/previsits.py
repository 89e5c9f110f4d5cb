"""Pre-visits carers book: one seat of a slot at a venue, for some of their children."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UTCDateTime


class PrevisitBooking(Base):
    """A carer's pre-visit: where, when, which seat, which children, and what they told us.

    A slot holds `capacity` carers: each booking takes a seat number 1..capacity, and the unique
    constraint on (venue, start, seat) is what makes a double booking impossible, whichever
    instance inserts it. A cancelled booking is deleted (the audit timeline keeps the fact).
    """

    __tablename__ = "previsit_bookings"
    __table_args__ = (
        UniqueConstraint("venue_code", "starts_at", "seat", name="uq_previsit_bookings_seat"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    carer_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    venue_code: Mapped[str] = mapped_column(String(40))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seat: Mapped[int] = mapped_column(Integer)
    child_ids: Mapped[list[int]] = mapped_column(JSON)
    routine: Mapped[str] = mapped_column(Text)  # the child's daily routine
    school: Mapped[str] = mapped_column(Text)  # school or nursery hours
    clubs: Mapped[str] = mapped_column(Text)  # clubs and activities
    booked_at: Mapped[datetime] = mapped_column(UTCDateTime)
