"""The 15-minute rule and parents' no-shows: pure decisions, tested without a database."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime, timedelta

from handlers.service.config_sessions import Arrivals
from storage.models import EventKind

# Marks after which nobody asks whether the parent is here.
_PARENT_IS_HERE = frozenset({EventKind.PARENT_ARRIVED, EventKind.STARTED})


def parent_question_at(starts_at: datetime, rules: Arrivals) -> datetime:
    """When the worker is asked about a parent not yet marked as arrived."""
    return starts_at - timedelta(minutes=rules.parent_deadline_minutes)


def is_parent_question_due(
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
    marked: Collection[str],
    rules: Arrivals,
) -> bool:
    """Whether to ask "Parent not here?": from the deadline until as long after the start (a
    tick missed while the bot was briefly down still asks), unless the parent or the start is
    marked. Later, the session is under way or past saving: a worker in the middle of one is
    not asked to cancel it."""
    if any(kind in _PARENT_IS_HERE for kind in marked):
        return False
    deadline = parent_question_at(starts_at, rules)
    return deadline <= now < min(starts_at + (starts_at - deadline), ends_at)


def repeated_no_shows(no_shows: Iterable[datetime], now: datetime, rules: Arrivals) -> int | None:
    """How many of a child's sessions were cancelled for the parent's lateness within the
    period (this one included), once there is more than one; None for a first."""
    since = now - timedelta(days=rules.no_show_period_days)
    count = sum(1 for at in no_shows if since <= at <= now)
    return count if count >= 2 else None
