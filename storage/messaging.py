"""The inbox, the outbox, conversation state and the audit timeline."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UTCDateTime


class InboxUpdate(Base):
    """An update from Telegram, committed before it is acknowledged, processed exactly once."""

    __tablename__ = "inbox"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    event: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(40), nullable=True)

    __table_args__ = (Index("ix_inbox_pending", "processed_at", "update_id"),)


class OutboxStatus(enum.StrEnum):
    """Where an outgoing message stands."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class Priority(enum.IntEnum):
    """Lower goes first: alert pings, then replies, then reminders."""

    ALERT = 0
    REPLY = 10
    REMINDER = 20


class OutboxMessage(Base):
    """One message the bot has decided to send, written in the same transaction as the decision."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dedupe_key: Mapped[str | None] = mapped_column(String(160), unique=True, nullable=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), nullable=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    priority: Mapped[int] = mapped_column(Integer, default=Priority.REPLY.value)
    status: Mapped[str] = mapped_column(String(10), default=OutboxStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(300), nullable=True)
    # An edit of an earlier message waits for that message's Telegram id.
    edit_of_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"), nullable=True)
    # Put out of the claim's way until then (real time, like pacing) because its chat was busy.
    parked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        Index("ix_outbox_queue", "status", "priority", "id"),  # pending rows in send order
        Index("ix_outbox_due", "status", "not_before"),  # pending rows on their way
        Index("ix_outbox_edit_of", "edit_of_id"),  # the edits waiting for a message
    )


class ConversationState(Base):
    """Where one person is in a dialog; the version column stops two quick taps both winning."""

    __tablename__ = "conversations"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    flow: Mapped[str] = mapped_column(String(40))
    step: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    history: Mapped[list[str]] = mapped_column(JSON)
    nonce: Mapped[str] = mapped_column(String(12))
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Fixed for the conversation, so an old Cancel button of it still cancels it.
    tag: Mapped[str | None] = mapped_column(String(12), nullable=True)
    # The outbox row of the question on screen: its buttons go once it is answered or replaced.
    prompt_key: Mapped[str | None] = mapped_column(String(120), nullable=True)
    # While one answer is being changed: the summary to return to.
    return_to: Mapped[str | None] = mapped_column(String(40), nullable=True)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class PutAsideForm(Base):
    """A form a person left (idle, or for another one) with its answers, to carry on later."""

    __tablename__ = "put_aside_forms"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    flow: Mapped[str] = mapped_column(String(40), primary_key=True)
    step: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    history: Mapped[list[str]] = mapped_column(JSON)
    tag: Mapped[str | None] = mapped_column(String(12), nullable=True)
    return_to: Mapped[str | None] = mapped_column(String(40), nullable=True)
    put_aside_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class AuditEvent(Base):
    """One step on the append-only timeline; rows are never changed."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    action: Mapped[str] = mapped_column(String(60))
    actor_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), nullable=True)
    actor_telegram_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    subject: Mapped[str | None] = mapped_column(String(80), nullable=True, index=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class AuditIsAppendOnly(Exception):
    """Raised when code tries to change or delete an audit event."""


@event.listens_for(AuditEvent, "before_update")
def _refuse_audit_update(*_: object) -> None:
    raise AuditIsAppendOnly("audit events are append-only")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_audit_delete(*_: object) -> None:
    raise AuditIsAppendOnly("audit events are append-only")


class DeliveryPacing(Base):
    """When the next message may go, overall ("global") or to one chat ("chat:<id>").

    A generic cell rate algorithm: `allowed_at` is the theoretical time of the next send; every
    instance reads and moves it inside its claim transaction, so the limits hold for all of them.
    """

    __tablename__ = "delivery_pacing"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    allowed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # A chat's messages that must wait are put out of the claim's way, each one slot after the
    # last one put aside (so a chat's backlog comes due a message at a time, never all at once).
    parked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The same for replies: a reply never waits behind the chat's reminders.
    parked_replies_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class SenderPacing(Base):
    """How fast one Telegram account's updates are handled, so a flood costs little.

    `allowed_at` is a generic cell rate algorithm's next time, as in DeliveryPacing;
    `quiet_until` ends the silence after an account was told once to slow down (or, unlinked,
    was given the public information once); `is_noted` says the silence is on the timeline.
    """

    __tablename__ = "sender_pacing"

    telegram_user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    allowed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    quiet_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    is_noted: Mapped[bool] = mapped_column(Boolean, default=False)  # this quiet is on record
