"""Welfare check-ins: which sessions have them and which check is due; pure, no database."""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.service.config_sessions import Welfare
from storage.models import Setting


def has_welfare_checks(setting: str, is_lone: bool) -> bool:
    """A session in the community, or with its worker on their own, has welfare check-ins."""
    return setting == Setting.COMMUNITY.value or is_lone


def latest_check_due(
    began_at: datetime, scheduled_end: datetime, now: datetime, rules: Welfare
) -> datetime | None:
    """The most recent check due by now (every interval from the start), or None before the
    first. Only the latest is asked: after an outage the worker gets one question, not a pile.
    Checks run until the session is ended, or its scheduled end passes with nobody ending it.
    """
    interval = timedelta(minutes=rules.interval_minutes)
    if now < began_at + interval:
        return None
    due = began_at + interval * ((now - began_at) // interval)
    if due >= scheduled_end:  # a check at the booked end would only ask about going home
        return None
    return due


def is_answer_overdue(asked_at: datetime, now: datetime, rules: Welfare) -> bool:
    """Whether the grace for answering the check has run out."""
    return now >= asked_at + timedelta(minutes=rules.grace_minutes)
