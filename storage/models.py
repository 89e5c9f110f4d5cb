"""Every table, in one import, so Alembic and callers see the whole schema."""

from __future__ import annotations

import storage.audit_guard  # noqa: F401  (refuses bulk changes to the timeline)
from storage.alerts import WELFARE_ORIGIN, Alert, AlertPing, AlertStatus, RotaShift, Severity
from storage.base import Base, UTCDateTime
from storage.messaging import (
    AuditEvent,
    AuditIsAppendOnly,
    ConversationState,
    DeliveryPacing,
    InboxUpdate,
    OutboxMessage,
    OutboxStatus,
    Priority,
    PutAsideForm,
    SenderPacing,
)
from storage.people import (
    Child,
    Invite,
    InviteFailure,
    Person,
    Role,
    TelegramLink,
    Venue,
    child_carers,
)
from storage.previsits import PrevisitBooking
from storage.retention import PURGED_KINDS, PurgedCount
from storage.session_notes import NoteKind, NotesAreAppendOnly, SessionNote
from storage.session_reports import ReportStatus, SessionReport
from storage.sessions import (
    CancelReason,
    Contagious,
    HandoverCard,
    IllnessDecision,
    IllnessReport,
    ReturnCard,
    Session,
    SessionStatus,
    session_children,
)
from storage.timeline import EventKind, SessionEvent
from storage.welfare import Setting, WelfareCheck

__all__ = [
    "PURGED_KINDS",
    "WELFARE_ORIGIN",
    "Alert",
    "AlertPing",
    "AlertStatus",
    "AuditEvent",
    "AuditIsAppendOnly",
    "Base",
    "CancelReason",
    "Child",
    "Contagious",
    "ConversationState",
    "DeliveryPacing",
    "EventKind",
    "HandoverCard",
    "IllnessDecision",
    "IllnessReport",
    "InboxUpdate",
    "Invite",
    "InviteFailure",
    "NoteKind",
    "NotesAreAppendOnly",
    "OutboxMessage",
    "OutboxStatus",
    "Person",
    "PrevisitBooking",
    "Priority",
    "PurgedCount",
    "PutAsideForm",
    "ReportStatus",
    "ReturnCard",
    "Role",
    "RotaShift",
    "SenderPacing",
    "Session",
    "SessionEvent",
    "SessionNote",
    "SessionReport",
    "SessionStatus",
    "Setting",
    "Severity",
    "TelegramLink",
    "UTCDateTime",
    "Venue",
    "WelfareCheck",
    "child_carers",
    "session_children",
]
