"""The alerts and their full timelines, for the case record (LCS/Mosaic)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.service.audit import audit_subject
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


async def export_alerts(uow: AsyncSession) -> list[dict[str, Any]]:
    """Every alert as a record, times in UTC ISO 8601, with its timeline attached."""
    people = {p.id: p for p in await uow.scalars(select(Person))}
    sessions = {s.id: s.ref for s in await uow.scalars(select(Session))}

    def who(person_id: int | None) -> str:
        person = people.get(person_id) if person_id else None
        return f"{person.ref} {person.first_name} {person.last_name}" if person else ""

    records = []
    for alert in await uow.scalars(select(Alert).order_by(Alert.id)):
        events = list(
            await uow.scalars(
                select(AuditEvent)
                .where(AuditEvent.subject == audit_subject("alert", alert.id))
                .order_by(AuditEvent.id)
            )
        )
        facts = _facts_from_timeline(alert, events)
        records.append(
            {
                "ref": alert.ref,
                "severity": facts["severity"],
                "status": alert.status,
                "raised_at": facts["raised_at"],
                "raised_by": who(facts["raised_by"]),
                "venue": facts["venue"] or "",
                "room": facts["room"] or "",
                "session": facts["session_ref"] or sessions.get(facts["session_id"] or 0, ""),
                "note": facts["note"] or "",
                "acknowledged_by": who(facts["acknowledged_by"]),
                "acknowledged_at": facts["acknowledged_at"],
                "resolved_by": who(facts["resolved_by"]),
                "resolved_at": facts["resolved_at"],
                "outcome": facts["outcome"] or "",
                "resolution_note": facts["resolution_note"] or "",
                "timeline": [
                    {
                        "at": e.at.isoformat(),
                        "action": e.action,
                        "by": who(e.actor_person_id),
                        "note": e.note or "",
                        "details": e.details,
                    }
                    for e in events
                ],
            }
        )
    return records


_HOLDING = ("alert.acknowledged", "alert.taken_over", "alert.released", "alert.reopened")


def _facts_from_row(alert: Alert) -> dict[str, Any]:
    """An alert with no timeline at all (imported, or older than the timeline)."""
    return {
        "severity": alert.severity,
        "raised_at": alert.raised_at.isoformat(),
        "raised_by": alert.raised_by_id,
        "venue": alert.venue_code,
        "room": alert.room,
        "session_ref": None,
        "session_id": alert.session_id,
        "note": alert.note,
        "acknowledged_by": alert.acknowledged_by_id,
        "acknowledged_at": alert.acknowledged_at.isoformat() if alert.acknowledged_at else "",
        "resolved_by": alert.resolved_by_id,
        "resolved_at": alert.resolved_at.isoformat() if alert.resolved_at else "",
        "outcome": alert.outcome,
        "resolution_note": alert.resolution_note,
    }


def _facts_from_timeline(alert: Alert, events: list[AuditEvent]) -> dict[str, Any]:
    """What was raised, who took it and how it ended, as recorded on the append-only timeline.

    The alerts row is operational (it changes as the alert moves); it is used only for alerts
    whose timeline predates these details.
    """
    raised = next((e for e in events if e.action == "alert.raised"), None)
    details = raised.details if raised is not None else {}
    holding = [e for e in events if e.action in _HOLDING]
    # The holder now: released or reopened since, nobody holds it.
    holder = holding[-1] if holding and holding[-1].action in _HOLDING[:2] else None
    resolved = next((e for e in events if e.action == "alert.resolved"), None)
    if not events:  # a record older than its timeline: the alerts row says what it can
        return _facts_from_row(alert)
    return {
        "severity": details.get("severity", alert.severity),
        "raised_at": (raised.at if raised else alert.raised_at).isoformat(),
        "raised_by": raised.actor_person_id if raised else alert.raised_by_id,
        "venue": details.get("venue", alert.venue_code),
        "room": details.get("room", alert.room),
        "session_ref": details.get("session_ref"),
        "session_id": details.get("session_id", alert.session_id),
        "note": raised.note if raised is not None and "room" in details else alert.note,
        "acknowledged_by": holder.actor_person_id if holder else None,
        "acknowledged_at": holder.at.isoformat() if holder else "",
        "resolved_by": resolved.actor_person_id if resolved else None,
        "resolved_at": resolved.at.isoformat() if resolved else "",
        "outcome": resolved.details.get("outcome") if resolved else None,
        "resolution_note": resolved.note if resolved else None,
    }
