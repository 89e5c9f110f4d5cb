"""The carers' side of a family time session: illness, handover and return cards, calling off,
reminders, pre-visits, a carer's own sessions and changes made by the service."""

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
from handlers.sessions.my_sessions import (
    MY_CALENDAR_START,
    MY_SESSIONS_START,
    carers_sessions_ahead,
    my_calendar_file,
    my_sessions_reply,
)
from handlers.sessions.parent_deadline import (
    PARENT_PREFIX,
    PARENT_WAIT_START,
    WAIT_NOTE_MAX_LENGTH,
    ParentAnswer,
    answer_parent_question,
    ask_about_missing_parents,
    record_wait,
)
from handlers.sessions.previsit_notices import describe_previsit
from handlers.sessions.previsit_records import (
    PREVISIT_COLUMNS,
    export_previsits,
    list_upcoming_previsits,
)
from handlers.sessions.previsits import (
    PREVISIT_START,
    NotYourBooking,
    PrevisitAnswers,
    SlotTaken,
    book_previsit,
    cancel_previsit,
    free_previsit_slots,
    move_previsit,
    slot_start,
    upcoming_previsit,
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
from handlers.sessions.service_changes import SessionFacts, tell_session_changed
from handlers.sessions.session_marks import MARK_WORDS, Mark, mark_session
from handlers.sessions.staff_cancellation import StaffCancelled, cancel_session_by_service
from handlers.sessions.today import (
    TODAY_PREFIX,
    TODAY_START,
    details_text,
    may_see_details,
    parse_today,
    session_for_tap,
    worker_day,
)

__all__ = [
    "CANTCOME_START",
    "CARER_REASONS",
    "CONTAGIOUS_WORDS",
    "DECIDE_PREFIX",
    "HANDOVER_START",
    "LATE_MINUTES",
    "LATE_START",
    "MARK_WORDS",
    "MY_CALENDAR_START",
    "MY_SESSIONS_START",
    "NOTED_PREFIX",
    "NOTE_MAX_LENGTH",
    "PARENT_PREFIX",
    "PARENT_WAIT_START",
    "PREVISIT_COLUMNS",
    "PREVISIT_START",
    "READ_PREFIX",
    "RETURN_START",
    "TODAY_PREFIX",
    "TODAY_START",
    "WAIT_NOTE_MAX_LENGTH",
    "CallOff",
    "Decision",
    "HandoverAnswers",
    "HandoverSent",
    "IllnessDecided",
    "Mark",
    "NotCallable",
    "NotRunningToday",
    "NotScheduled",
    "NotYourBooking",
    "NotYourChild",
    "NotYourRecentSession",
    "Noted",
    "ParentAnswer",
    "PrevisitAnswers",
    "Read",
    "ReturnAnswers",
    "SessionCalledOff",
    "SessionFacts",
    "SessionNotOpen",
    "SlotTaken",
    "StaffCancelled",
    "answer_parent_question",
    "ask_about_missing_parents",
    "book_previsit",
    "call_off_session",
    "cancel_for_carer",
    "cancel_previsit",
    "cancel_session_by_service",
    "cards_already_sent",
    "carers_sessions_ahead",
    "children_of_carer",
    "decide_illness",
    "describe_previsit",
    "details_text",
    "export_previsits",
    "free_previsit_slots",
    "how_late",
    "list_upcoming_previsits",
    "mark_handover_read",
    "mark_session",
    "may_see_details",
    "move_previsit",
    "my_calendar_file",
    "my_sessions_reply",
    "note_lateness",
    "parse_today",
    "record_wait",
    "report_illness",
    "report_late",
    "send_due_reminders",
    "send_return_card",
    "session_for_tap",
    "sessions_for_handover",
    "sessions_for_return_card",
    "sessions_it_may_affect",
    "sessions_to_call_off",
    "sessions_today",
    "slot_start",
    "submit_handover",
    "tell_session_changed",
    "upcoming_previsit",
    "worker_day",
]
