"""People, their roles, Telegram links, invites and the children they care for."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.base import Base, UTCDateTime


class Role(enum.StrEnum):
    """What a person does in the service; access comes only from this."""

    CARER = "carer"
    WORKER = "worker"
    SENIOR = "senior"
    MANAGER = "manager"
    COORDINATOR = "coordinator"
    SOCIAL_WORKER = "social_worker"
    ADMIN = "admin"


class Person(Base):
    """Someone known to the service, identified by the council's own reference."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(40), unique=True)
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(20))
    venue_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    link: Mapped[TelegramLink | None] = relationship(back_populates="person", uselist=False)


class TelegramLink(Base):
    """The one Telegram account bound to a person through an invite."""

    __tablename__ = "telegram_links"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    telegram_user_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    is_reachable: Mapped[bool] = mapped_column(Boolean, default=True)
    unreachable_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)

    person: Mapped[Person] = relationship(back_populates="link")


class Invite(Base):
    """A single-use, expiring invite; only the token's hash is stored."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    used_by_telegram_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class InviteFailure(Base):
    """A bad invite token tried from one Telegram account, kept to rate-limit guessing."""

    __tablename__ = "invite_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class Venue(Base):
    """A place where family time happens; details live in the service config."""

    __tablename__ = "venues"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))


child_carers = Table(
    "child_carers",
    Base.metadata,
    Column("child_id", ForeignKey("children.id"), primary_key=True),
    Column("person_id", ForeignKey("people.id"), primary_key=True),
)


class Child(Base):
    """A child in care, known to the bot only by initials and a reference."""

    __tablename__ = "children"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(40), unique=True)
    initials: Mapped[str] = mapped_column(String(8))
    social_worker_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), nullable=True)
    # False for a baby or a child who can't get about on their own: a mark or bruise on them
    # is a safeguarding concern in itself.
    is_independently_mobile: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=true()
    )
    # What the worker must know before a session, shown only on a Details tap.
    needs: Mapped[str | None] = mapped_column(Text, nullable=True)
    risks: Mapped[str | None] = mapped_column(Text, nullable=True)

    carers: Mapped[list[Person]] = relationship(secondary=child_carers)

    @property
    def label(self) -> str:
        """How the child is named in any message: initials and reference, never a full name."""
        return f"{self.initials} ({self.ref})"
