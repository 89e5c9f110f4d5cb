"""The session report: its facts from the record, the PDF, review and submission, sign-off,
sending, overdue reminders and the chronology export for the council's case system."""

from __future__ import annotations

from handlers.reports.due import chase_overdue_reports
from handlers.reports.export import CHRONOLOGY_COLUMNS, SentReport, session_chronology
from handlers.reports.making import (
    ReportToMake,
    deliver_made_report,
    next_report_to_make,
    render_report_pdf,
    report_not_made,
)
from handlers.reports.sending import REPORT_START
from handlers.reports.sign_off import (
    REPORT_SIGNERS,
    SEND_BACK_REASON_MAX_LENGTH,
    SIGN_PREFIX,
    SignedOff,
    SignOff,
    press_sign_off,
    send_back_report,
)
from handlers.reports.submitting import (
    NotYourReport,
    Submitted,
    review_report,
    sessions_to_report,
    submit_report,
)

__all__ = [
    "CHRONOLOGY_COLUMNS",
    "REPORT_SIGNERS",
    "REPORT_START",
    "SEND_BACK_REASON_MAX_LENGTH",
    "SIGN_PREFIX",
    "NotYourReport",
    "ReportToMake",
    "SentReport",
    "SignOff",
    "SignedOff",
    "Submitted",
    "chase_overdue_reports",
    "deliver_made_report",
    "next_report_to_make",
    "press_sign_off",
    "render_report_pdf",
    "report_not_made",
    "review_report",
    "send_back_report",
    "session_chronology",
    "sessions_to_report",
    "submit_report",
]
