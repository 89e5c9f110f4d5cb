"""The carers' side of a family time session: illness, handover cards, calling off, reminders."""

from __future__ import annotations

from handlers.sessions.cancelling import (
    CallOff,
    NotScheduled,
    SessionCalledOff,
    call_off_session,
)
from handlers.sessions.cantcome import (
    CANTCOME_START,
    CARER_REASONS,
    NOTE_MAX_LENGTH,
    NotCallable,
    cancel_for_carer,
    sessions_to_call_off,
)
from handlers.sessions.handover import (
    HANDOVER_START,
    HandoverAnswers,
    SessionNotOpen,
    sessions_for_handover,
    submit_handover,
)
from handlers.sessions.illness import (
    CONTAGIOUS_WORDS,
    NotYourChild,
    children_of_carer,
    report_illness,
)
from handlers.sessions.illness_decisions import (
    Decision,
    IllnessDecided,
    decide_illness,
)
from handlers.sessions.illness_plan import (
    DECIDE_PREFIX,
    sessions_it_may_affect,
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

__all__ = [
    "CANTCOME_START",
    "CARER_REASONS",
    "CONTAGIOUS_WORDS",
    "DECIDE_PREFIX",
    "HANDOVER_START",
    "LATE_MINUTES",
    "LATE_START",
    "NOTED_PREFIX",
    "NOTE_MAX_LENGTH",
    "CallOff",
    "Decision",
    "HandoverAnswers",
    "IllnessDecided",
    "NotCallable",
    "NotRunningToday",
    "NotScheduled",
    "NotYourChild",
    "Noted",
    "SessionCalledOff",
    "SessionNotOpen",
    "call_off_session",
    "cancel_for_carer",
    "children_of_carer",
    "decide_illness",
    "how_late",
    "note_lateness",
    "report_illness",
    "report_late",
    "send_due_reminders",
    "sessions_for_handover",
    "sessions_it_may_affect",
    "sessions_to_call_off",
    "sessions_today",
    "submit_handover",
]
