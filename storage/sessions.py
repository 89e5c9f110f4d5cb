"""Family time sessions and the illness reports carers make about the children in them."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.base import Base, UTCDateTime
from storage.people import Child


class SessionStatus(enum.StrEnum):
    """Where a session stands."""

    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    COMPLETED = "completed"


session_children = Table(
    "session_children",
    Base.metadata,
    Column("session_id", ForeignKey("sessions.id"), primary_key=True),
    Column("child_id", ForeignKey("children.id"), primary_key=True),
)


class Session(Base):
    """One supervised family time session at a venue, with its worker."""

    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(40), unique=True)
    venue_code: Mapped[str] = mapped_column(ForeignKey("venues.code"))
    room: Mapped[str | None] = mapped_column(String(60), nullable=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(20), default=SessionStatus.SCHEDULED.value)
    supervision_level: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # Set when the session is called off: when, by whom, why (a code) and the words given.
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), nullable=True)
    cancel_reason: Mapped[str | None] = mapped_column(String(20), nullable=True)
    cancel_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The parents or others allowed to attend, by initials and reference (never names; they
    # are not users of the bot), as imported: "M.B.:PA-101;J.B.:PA-102". Text, not JSON, so
    # a DISTINCT over sessions works on PostgreSQL.
    attendees: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Parent and carer must not meet: each has their own arrival and departure times.
    is_no_meet: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    parent_arrives_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    parent_leaves_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    carer_arrives_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    carer_leaves_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # In the centre or out in the community, and whether the worker is on their own: either
    # (community, or lone) brings welfare check-ins during the session.
    setting: Mapped[str] = mapped_column(String(20), default="centre", server_default="centre")
    is_lone: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Set when the worker ends it: the actual end, by whom, how (on time or early) and why.
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), nullable=True)
    end_kind: Mapped[str | None] = mapped_column(String(20), nullable=True)
    end_reason: Mapped[str | None] = mapped_column(String(20), nullable=True)
    end_note: Mapped[str | None] = mapped_column(Text, nullable=True)

    children: Mapped[list[Child]] = relationship(secondary=session_children)


class CancelReason(enum.StrEnum):
    """Why a session was called off (stored; never renamed)."""

    UNWELL = "unwell"
    TRANSPORT = "transport"
    APPOINTMENT = "appointment"
    REFUSED = "refused"  # the child doesn't want to go
    OTHER = "other"
    ILLNESS = "illness"  # an illness report: catching, or a senior decided
    PARENT_LATE = "parent_late"  # no parent by the deadline before the start (15-minute rule)
    # The service's own (`familytime sessions cancel`), each with fixed words for the carers.
    WORKER_UNAVAILABLE = "worker_unavailable"
    VENUE_UNAVAILABLE = "venue_unavailable"
    PARENT_CANCELLED = "parent_cancelled"
    DECISION = "decision"  # a court's or the social worker's decision


class IllnessDecision(enum.StrEnum):
    """A senior's answer to a "not sure" illness report."""

    KEEP = "keep"
    CANCEL = "cancel"


class Contagious(enum.StrEnum):
    """The carer's answer to "is it catching?"."""

    YES = "yes"
    NO = "no"
    NOT_SURE = "not_sure"


class IllnessReport(Base):
    """A carer telling the service that a child is ill."""

    __tablename__ = "illness_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    reported_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    next_session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id"), nullable=True)
    contagious: Mapped[str] = mapped_column(String(10))
    description: Mapped[str] = mapped_column(Text)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The sessions the carer said it affects (ids), and a senior's decision when not sure.
    affected_session_ids: Mapped[list[int] | None] = mapped_column(JSON, nullable=True)
    decision: Mapped[str | None] = mapped_column(String(10), nullable=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class HandoverCard(Base):
    """What a carer tells the worker before a session: marks, care, health and mood, medicine."""

    __tablename__ = "handover_cards"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id"), index=True)
    carer_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    marks: Mapped[str] = mapped_column(Text)  # marks or bruises already there, and how they came
    care: Mapped[str] = mapped_column(Text)  # last bottle or meal, last nappy change
    wellbeing: Mapped[str] = mapped_column(Text)  # health, mood, how the day has been
    medication: Mapped[str] = mapped_column(Text)  # medicine to give, with instructions
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The card sent before this one for the same session, which this one updates.
    updates_id: Mapped[int | None] = mapped_column(ForeignKey("handover_cards.id"), nullable=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    read_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), nullable=True)


class ReturnCard(Base):
    """What the worker tells the carers after a session: who came, food, changes, sleep, mood."""

    __tablename__ = "return_cards"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id"), index=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    attended: Mapped[str] = mapped_column(Text)
    food: Mapped[str] = mapped_column(Text)  # what the child ate or drank
    changes: Mapped[str] = mapped_column(Text)  # nappy changes, toilet
    sleep: Mapped[str] = mapped_column(Text)
    mood: Mapped[str] = mapped_column(Text)
    incident: Mapped[str | None] = mapped_column(Text, nullable=True)  # an incident or injury
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
