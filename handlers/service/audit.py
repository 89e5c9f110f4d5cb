"""Append steps to the audit timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEvent

SubjectKind = Literal[
    "alert", "handover", "illness", "outbox", "person", "previsit", "readiness", "session"
]


def audit_subject(kind: SubjectKind, key: int | str) -> str:
    """How the timeline names what an event is about: 'alert:12', 'person:3', 'readiness:<day>'."""
    return f"{kind}:{key}"


def record_audit(
    uow: AsyncSession,
    action: str,
    *,
    at: datetime,
    actor_person_id: int | None = None,
    actor_telegram_id: int | None = None,
    subject: str | None = None,
    note: str | None = None,
    **details: Any,
) -> AuditEvent:
    """Add one event to the timeline; ids only, never a child's name."""
    event = AuditEvent(
        at=at,
        action=action,
        actor_person_id=actor_person_id,
        actor_telegram_id=actor_telegram_id,
        subject=subject,
        note=note,
        details=details,
    )
    uow.add(event)
    return event
