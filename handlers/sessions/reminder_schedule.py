"""When each session reminder is due: a pure decision, on the service's local wall clock.

"The evening before at 18:00" and "the morning briefing at 08:00" are local times, so they stay
at 18:00 and 08:00 when the clocks change; "two hours before" is two hours of real time. The
outbox's dedupe keys make each one go once; this only says which are due.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.service.config_sessions import Reminders

CARER_EVENING, CARER_SOON, WORKER_BRIEFING, WORKER_SOON = (
    "carer-evening",
    "carer-soon",
    "worker-briefing",
    "worker-soon",
)
CARER_REMINDERS = frozenset({CARER_EVENING, CARER_SOON})


def reminder_times(settings: Reminders, zone: ZoneInfo, starts_at: datetime) -> dict[str, datetime]:
    """When each reminder for a session starting at `starts_at` is due."""
    # In UTC, so "minutes before" counts real minutes even for a start given in local time
    # (aware arithmetic within one zone is wall-clock arithmetic, wrong across a clock change).
    starts_at = starts_at.astimezone(UTC)
    day = starts_at.astimezone(zone).date()
    return {
        CARER_EVENING: datetime.combine(
            day - timedelta(days=1), settings.carer_evening_before, tzinfo=zone
        ),
        CARER_SOON: starts_at - timedelta(minutes=settings.carer_minutes_before),
        WORKER_BRIEFING: datetime.combine(day, settings.worker_briefing, tzinfo=zone),
        WORKER_SOON: starts_at - timedelta(minutes=settings.worker_minutes_before),
    }


def due_reminders(
    settings: Reminders, zone: ZoneInfo, starts_at: datetime, now: datetime
) -> frozenset[str]:
    """The reminders due by `now` for a session not yet started (none once it has).

    A carer whose evening reminder was missed (say, by an outage, or a session booked late)
    until the "soon" one is due gets only that one, and so does a worker whose morning briefing
    was: one reminder is enough.
    """
    if now >= starts_at:
        return frozenset()
    due = {kind for kind, at in reminder_times(settings, zone, starts_at).items() if at <= now}
    if CARER_SOON in due:
        due.discard(CARER_EVENING)
    if WORKER_SOON in due:
        due.discard(WORKER_BRIEFING)
    return frozenset(due)


def reminder_key_prefix(session_id: int) -> str:
    """The start of every reminder's dedupe key for one session (to withdraw them together)."""
    return f"reminder:{session_id}:"
