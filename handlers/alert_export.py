"""The alerts and their full timelines, for the case record (LCS/Mosaic)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Alert, AuditEvent, Person, Session

CSV_COLUMNS = (
    "ref",
    "severity",
    "status",
    "raised_at",
    "raised_by",
    "venue",
    "room",
    "session",
    "note",
    "acknowledged_by",
    "acknowledged_at",
    "resolved_by",
    "resolved_at",
    "outcome",
    "resolution_note",
)


async def export_alerts(session: AsyncSession) -> list[dict[str, Any]]:
    """Every alert as a record, times in UTC ISO 8601, with its timeline attached."""
    people = {p.id: p for p in await session.scalars(select(Person))}
    sessions = {s.id: s.ref for s in await session.scalars(select(Session))}

    def who(person_id: int | None) -> str:
        person = people.get(person_id) if person_id else None
        return f"{person.ref} {person.first_name} {person.last_name}" if person else ""

    records = []
    for alert in await session.scalars(select(Alert).order_by(Alert.id)):
        events = await session.scalars(
            select(AuditEvent)
            .where(AuditEvent.subject == f"alert:{alert.id}")
            .order_by(AuditEvent.id)
        )
        records.append(
            {
                "ref": alert.ref,
                "severity": alert.severity,
                "status": alert.status,
                "raised_at": alert.raised_at.isoformat(),
                "raised_by": who(alert.raised_by_id),
                "venue": alert.venue_code or "",
                "room": alert.room or "",
                "session": sessions.get(alert.session_id or 0, ""),
                "note": alert.note or "",
                "acknowledged_by": who(alert.acknowledged_by_id),
                "acknowledged_at": alert.acknowledged_at.isoformat()
                if alert.acknowledged_at
                else "",
                "resolved_by": who(alert.resolved_by_id),
                "resolved_at": alert.resolved_at.isoformat() if alert.resolved_at else "",
                "outcome": alert.outcome or "",
                "resolution_note": alert.resolution_note or "",
                "timeline": [
                    {
                        "at": e.at.isoformat(),
                        "action": e.action,
                        "by": who(e.actor_person_id),
                        "details": e.details,
                    }
                    for e in events
                ],
            }
        )
    return records
