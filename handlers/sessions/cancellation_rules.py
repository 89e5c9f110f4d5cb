"""When a called-off session needs flagging: pure decisions, tested without a database."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from handlers.service.config_sessions import Cancellation
from storage.models import CancelReason

# How each reason reads to staff, after "cancelled by carer Casey: ".
REASON_WORDS = {
    CancelReason.UNWELL: "the child is unwell",
    CancelReason.TRANSPORT: "transport problems",
    CancelReason.APPOINTMENT: "the child has an appointment",
    CancelReason.REFUSED: "the child doesn't want to go",
    CancelReason.OTHER: "another reason",
    CancelReason.ILLNESS: "illness",
    CancelReason.PARENT_LATE: "the parent didn't arrive in time (15-minute rule)",
    CancelReason.WORKER_UNAVAILABLE: "no worker available",
    CancelReason.VENUE_UNAVAILABLE: "the venue isn't available",
    CancelReason.PARENT_CANCELLED: "the parent cancelled",
    CancelReason.DECISION: "a court or social worker decision",
}

# The service's reasons, and the only words a carer ever reads of one (the office's own note
# stays with the staff): fixed, naming no one, safe for every home.
SERVICE_REASON_WORDS = {
    CancelReason.WORKER_UNAVAILABLE: "no worker is available to supervise it",
    CancelReason.VENUE_UNAVAILABLE: "the venue isn't available",
    CancelReason.PARENT_CANCELLED: "the parent has cancelled",
    CancelReason.DECISION: "a decision by the court or the children's social worker",
    CancelReason.OTHER: "the service can't run it",
}


def is_late_notice(starts_at: datetime, cancelled_at: datetime, rules: Cancellation) -> bool:
    """Whether a session was called off less than the configured time before its start."""
    return starts_at - cancelled_at < timedelta(hours=rules.late_notice_hours)


def repeated_refusals(
    refusals: Iterable[datetime], now: datetime, rules: Cancellation
) -> int | None:
    """How many times a child refused within the period (this one included), once it repeats.

    `refusals` are when each "doesn't want to go" was given, this one included; None while
    the count is under the threshold, so only a repeat is flagged.
    """
    since = now - timedelta(days=rules.refusal_period_days)
    count = sum(1 for at in refusals if since <= at <= now)
    return count if count >= rules.refusal_repeat_count else None
