"""The carers' side of a family time session: illness, handover and return cards, reminders."""

from __future__ import annotations

from handlers.sessions.handover import (
    HANDOVER_START,
    READ_PREFIX,
    HandoverAnswers,
    HandoverSent,
    SessionNotOpen,
    cards_already_sent,
    sessions_for_handover,
    submit_handover,
)
from handlers.sessions.handover_read import (
    Read,
    mark_handover_read,
)
from handlers.sessions.illness import (
    CONTAGIOUS_WORDS,
    NotYourChild,
    children_of_carer,
    report_illness,
)
from handlers.sessions.lateness import (
    LATE_MINUTES,
    LATE_START,
    NOTED_PREFIX,
    Noted,
    NotRunningToday,
    how_late,
    note_lateness,
    report_late,
    sessions_today,
)
from handlers.sessions.reminders import (
    send_due_reminders,
)
from handlers.sessions.return_card import (
    RETURN_START,
    NotYourRecentSession,
    ReturnAnswers,
    send_return_card,
    sessions_for_return_card,
)

__all__ = [
    "CONTAGIOUS_WORDS",
    "HANDOVER_START",
    "LATE_MINUTES",
    "LATE_START",
    "NOTED_PREFIX",
    "READ_PREFIX",
    "RETURN_START",
    "HandoverAnswers",
    "HandoverSent",
    "NotRunningToday",
    "NotYourChild",
    "NotYourRecentSession",
    "Noted",
    "Read",
    "ReturnAnswers",
    "SessionNotOpen",
    "cards_already_sent",
    "children_of_carer",
    "how_late",
    "mark_handover_read",
    "note_lateness",
    "report_illness",
    "report_late",
    "send_due_reminders",
    "send_return_card",
    "sessions_for_handover",
    "sessions_for_return_card",
    "sessions_today",
    "submit_handover",
]
