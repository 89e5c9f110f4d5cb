"""The sessions' chronology for the case record: one row per session, and the sent reports.

Each row: the session's date, reference, children (initials), status, how it ended, how many
notes were written (amendments not counted) and when its report was submitted. Times are in
the service's zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from handlers.reports.sending import report_filename
from handlers.service.context import ServiceContext
from handlers.sessions.ending import EndKind, early_end_words
from storage.models import ReportStatus, Session, SessionNote, SessionReport, SessionStatus

CHRONOLOGY_COLUMNS = (
    "date",
    "session",
    "children",
    "status",
    "ended",
    "notes",
    "report_submitted_at",
)


@dataclass(frozen=True)
class SentReport:
    """A sent report's PDF, as it was sent, and the file name to keep it under."""

    filename: str
    content: bytes


def _status(booked: Session) -> str:
    if booked.status == SessionStatus.CANCELLED.value:
        return "cancelled"
    return "ended" if booked.ended_at is not None else booked.status


def _ended(booked: Session, ctx: ServiceContext) -> str:
    if booked.ended_at is None:
        return ""
    at = f"{ctx.local(booked.ended_at):%H:%M}"
    if booked.end_kind != EndKind.EARLY.value:
        return f"on time at {at}"
    return f"early at {at}: {early_end_words(booked)}"


def _midnight(day: date, ctx: ServiceContext) -> datetime:
    return datetime.combine(day, datetime.min.time(), ctx.zone)


async def session_chronology(
    uow: AsyncSession, ctx: ServiceContext, *, since: date | None = None, until: date | None = None
) -> tuple[list[dict[str, Any]], list[SentReport]]:
    """The chronology rows (in time order) and the sent reports, for sessions on those days."""
    query = select(Session).order_by(Session.starts_at, Session.id)
    if since is not None:
        query = query.where(Session.starts_at >= _midnight(since, ctx))
    if until is not None:
        query = query.where(Session.starts_at < _midnight(until + timedelta(days=1), ctx))
    sessions = list(await uow.scalars(query.options(selectinload(Session.children))))
    ids = [s.id for s in sessions]
    counted = await uow.execute(
        select(SessionNote.session_id, func.count())
        .where(SessionNote.session_id.in_(ids), SessionNote.amends_id.is_(None))
        .group_by(SessionNote.session_id)
    )
    counts: dict[int, int] = {session_id: count for session_id, count in counted}
    reports = {
        r.session_id: r
        for r in await uow.scalars(select(SessionReport).where(SessionReport.session_id.in_(ids)))
    }
    rows, sent = [], []
    for booked in sessions:
        report = reports.get(booked.id)
        submitted = report.submitted_at if report is not None else None
        rows.append(
            {
                "date": ctx.local(booked.starts_at).date().isoformat(),
                "session": booked.ref,
                "children": ", ".join(c.initials for c in booked.children),
                "status": _status(booked),
                "ended": _ended(booked, ctx),
                "notes": counts.get(booked.id, 0),
                "report_submitted_at": ctx.local(submitted).isoformat() if submitted else "",
            }
        )
        if report is not None and report.status == ReportStatus.SENT.value and report.pdf:
            sent.append(SentReport(report_filename(booked.ref), report.pdf))
    return rows, sent
