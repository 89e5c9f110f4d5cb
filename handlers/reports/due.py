"""A report not submitted in time: the worker is reminded once, then the coordinators told.

Due `reports.due_working_days` working days after the session (working days: the office's
opening days, bank holidays and closed dates left out): at that day's closing time the worker
is reminded; at the next working day's closing time the coordinators are told. The report's
row remembers each, so neither is repeated, even after the outbox is purged.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.delivery.chat import SendMessage
from handlers.delivery.coordinators import tell_coordinators
from handlers.delivery.outbox import queue_delivery
from handlers.delivery.start_buttons import start_button
from handlers.reports.sending import REPORT_START
from handlers.reports.submitting import DONE_STATUSES
from handlers.service.audit import audit_subject, record_audit
from handlers.service.config import ServiceConfig
from handlers.service.context import ServiceContext
from handlers.service.hours import is_closed_day
from storage.models import Person, ReportStatus, Session, SessionReport, SessionStatus

LOOKBACK_DAYS = 90  # an ended session older than this is past any reminder
_MAX_DAYS_SEARCHED = 120


def working_day_after(config: ServiceConfig, day: date, count: int) -> date:
    """The `count`-th day after `day` on which the office is open."""
    found = 0
    for offset in range(1, _MAX_DAYS_SEARCHED):
        candidate = day + timedelta(days=offset)
        if not is_closed_day(config.hours, candidate):
            found += 1
            if found == count:
                return candidate
    raise ValueError(f"fewer than {count} working days in the next {_MAX_DAYS_SEARCHED}")


def _closing(config: ServiceConfig, day: date, ctx: ServiceContext) -> datetime:
    opening = config.hours.on(day.weekday())
    assert opening is not None  # a working day has hours
    return datetime.combine(day, opening.closes, tzinfo=ctx.zone)


def report_deadlines(ended_at: datetime, ctx: ServiceContext) -> tuple[datetime, datetime]:
    """When the worker is reminded, and when the coordinators are told, for a session."""
    config = ctx.config
    due_day = working_day_after(config, ctx.local(ended_at).date(), config.reports.due_working_days)
    tell_day = working_day_after(config, due_day, 1)
    return _closing(config, due_day, ctx), _closing(config, tell_day, ctx)


async def chase_overdue_reports(uow: AsyncSession, ctx: ServiceContext, now: datetime) -> int:
    """Remind workers of overdue reports and tell the coordinators, once each; returns how many
    messages were queued."""
    settled = select(SessionReport.session_id).where(
        or_(
            SessionReport.status.in_(DONE_STATUSES),
            SessionReport.coordinators_told_at.is_not(None),
        )
    )
    sessions = list(
        await uow.scalars(
            select(Session).where(
                Session.ended_at.is_not(None),
                Session.ended_at > now - timedelta(days=LOOKBACK_DAYS),
                Session.worker_id.is_not(None),
                Session.status != SessionStatus.CANCELLED.value,
                Session.id.not_in(settled),
            )
        )
    )
    ids = [s.id for s in sessions]
    reports = {
        r.session_id: r
        for r in await uow.scalars(select(SessionReport).where(SessionReport.session_id.in_(ids)))
    }
    queued = 0
    for session in sessions:
        report = reports.get(session.id)
        assert session.ended_at is not None and session.worker_id is not None
        remind_at, tell_at = report_deadlines(session.ended_at, ctx)
        if now < remind_at:
            continue
        if report is None:
            report = SessionReport(
                session_id=session.id,
                worker_id=session.worker_id,
                status=ReportStatus.DUE.value,
                version=0,
            )
            uow.add(report)
        if report.reminded_at is None:
            report.reminded_at = now
            queued += await _remind_worker(uow, session, ctx, now)
        elif now >= tell_at:
            report.coordinators_told_at = now
            queued += await _tell_coordinators(uow, session, ctx, now)
    return queued


async def _remind_worker(
    uow: AsyncSession, session: Session, ctx: ServiceContext, now: datetime
) -> int:
    """The worker's one reminder, with *Review the report*; returns the messages queued."""
    days = ctx.config.reports.due_working_days
    text = (
        f"⏰ Your report for session {session.ref} ({ctx.show_time(session.starts_at)}) "
        f"wasn't submitted within {days} working days. Please review and submit it now."
    )
    button = start_button("📝 Review the report", REPORT_START, str(session.id))
    await queue_delivery(
        uow,
        SendMessage(text, ((button,),), protect_content=True),
        now=now,
        person_id=session.worker_id,
        dedupe_key=f"report-due:{session.id}:worker",
    )
    record_audit(
        uow,
        "report.overdue_reminded",
        at=now,
        subject=audit_subject("session", session.id),
        session_id=session.id,
    )
    return 1


async def _tell_coordinators(
    uow: AsyncSession, session: Session, ctx: ServiceContext, now: datetime
) -> int:
    """Every coordinator hears once that the report is still not in; returns how many."""
    worker = await uow.get(Person, session.worker_id)
    who = worker.first_name if worker else "the worker"
    days = ctx.config.reports.due_working_days
    told = await tell_coordinators(
        uow,
        f"📝 Overdue report: session {session.ref} ({ctx.show_time(session.starts_at)}, "
        f"{who}) is still not submitted, {days + 1} working days on; {who} was reminded.",
        key=f"report-due:{session.id}:coordinators",
        now=now,
    )
    record_audit(
        uow,
        "report.overdue_told",
        at=now,
        subject=audit_subject("session", session.id),
        session_id=session.id,
    )
    return len(told)
