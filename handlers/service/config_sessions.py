"""The council's rules for the carers' side and the session: reminders, handover cards, a
carer's own sessions, illness, cancelling, arrivals, welfare check-ins, notes and reports."""

from __future__ import annotations

from datetime import time

from pydantic import Field, model_validator

from handlers.service.config_model import Strict


class Reminders(Strict):
    """When session reminders go out (used by the reminders feature)."""

    carer_evening_before: time = time(18, 0)
    carer_minutes_before: int = Field(default=120, ge=0)
    worker_briefing: time = time(8, 0)
    worker_minutes_before: int = Field(default=30, ge=0)
    lookahead_days: float = Field(default=2, gt=0)
    illness_lookback_days: float = Field(default=7, ge=0)


class Handover(Strict):
    """Which sessions a carer can send a handover card for, and a worker a return card for."""

    lookahead_days: float = Field(default=2, gt=0)
    return_card_days: float = Field(default=2, gt=0)


class MySessions(Strict):
    """How far ahead a carer's /mysessions (and its calendar file) looks."""

    lookahead_days: float = Field(default=28, gt=0, le=366)


class Illness(Strict):
    """Which session an illness report is about: without a lookahead, the child's next one."""

    lookahead_days: float | None = Field(default=None, gt=0)
    # The child's sessions starting within this are listed for the carer to say which it affects.
    affects_days: float = Field(default=7, gt=0)


class Cancellation(Strict):
    """A carer calling off a session: which they can pick, late notice, repeated refusals."""

    lookahead_days: float = Field(default=14, gt=0)
    late_notice_hours: float = Field(default=24, ge=0)
    refusal_repeat_count: int = Field(default=2, ge=2)
    refusal_period_days: int = Field(default=28, ge=1)


class Arrivals(Strict):
    """The 15-minute rule: when the worker is asked about a parent not yet here, and no-shows."""

    parent_deadline_minutes: int = Field(default=15, ge=0, le=120)
    # A parent's second no-show (cancelled for lateness) within this is flagged.
    no_show_period_days: int = Field(default=28, ge=1)


class Welfare(Strict):
    """Welfare check-ins for lone or community sessions: how often "All OK?", how long to answer.

    From the session's start (or its "started" mark) until it is ended, the worker is asked
    every `interval_minutes`; no answer within `grace_minutes` raises an urgent alert.
    """

    interval_minutes: int = Field(default=30, ge=5, le=240)
    grace_minutes: int = Field(default=10, ge=1, le=120)

    @model_validator(mode="after")
    def _answer_before_the_next(self) -> Welfare:
        if self.grace_minutes >= self.interval_minutes:
            raise ValueError("grace_minutes must be less than interval_minutes")
        return self


class Notes(Strict):
    """The worker's notes: which session is "now", and words that read as an opinion.

    A session is "now" from `before_minutes` before its start until `after_minutes` after its
    end; an *observed* note with one of `opinion_words` gets a nudge asking what was seen.
    """

    before_minutes: int = Field(default=30, ge=0, le=24 * 60)
    after_minutes: int = Field(default=60, ge=0, le=24 * 60)
    opinion_words: tuple[str, ...] = (
        "appeared",
        "seemed",
        "looked like",
        "clearly",
        "obviously",
        "upset",
        "angry",
        "inappropriate",
    )


class Reports(Strict):
    """The session report: whether a senior signs it off first, and when it is overdue.

    A report not submitted within `due_working_days` working days (the office's opening days,
    bank holidays and closed dates left out) after its session reminds the worker once, and a
    working day later tells the coordinators.
    """

    sign_off: bool = False
    due_working_days: int = Field(default=5, ge=1, le=30)
