"""The session report: the worker reviews it, submits it, and it goes to whom it may.

Sent, it is a protected PDF to each child's social worker and to the coordinators, nobody
else. With `reports.sign_off` a senior approves it first (handlers/reports/sign_off.py).
Submitting only records it: the scheduler makes the PDF, outside any transaction, and sends it
(handlers/reports/making.py), so a long report never holds up an alert.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from handlers.reports.facts import gather_report
from handlers.reports.pdf import report_summary
from handlers.service.audit import audit_subject, record_audit
from handlers.service.context import ServiceContext
from storage.models import (
    Person,
    ReportStatus,
    Session,
    SessionReport,
    SessionStatus,
)

REPORTS_LISTED = 10
DONE_STATUSES = (
    ReportStatus.SUBMITTED.value,
    ReportStatus.AWAITING_SIGN_OFF.value,
    ReportStatus.SENT.value,
)


class NotYourReport(Exception):
    """Not the worker's session, not ended, cancelled, or its report already submitted."""


@dataclass(frozen=True)
class Submitted:
    """A submitted report, its PDF still to make: then sent, or asked to be signed off."""

    report: SessionReport
    ref: str
    needs_sign_off: bool


async def sessions_to_report(
    uow: AsyncSession, worker_id: int, ctx: ServiceContext
) -> list[Session]:
    """The worker's ended sessions whose report isn't submitted yet, newest first."""
    submitted = select(SessionReport.session_id).where(SessionReport.status.in_(DONE_STATUSES))
    found = await uow.scalars(
        select(Session)
        .where(
            Session.worker_id == worker_id,
            Session.ended_at.is_not(None),
            Session.status != SessionStatus.CANCELLED.value,
            Session.id.not_in(submitted),
        )
        .order_by(Session.ended_at.desc())
        .limit(REPORTS_LISTED)
        .options(selectinload(Session.children))
    )
    return list(found)


async def _reportable(
    uow: AsyncSession, worker_id: int, session_id: int, ctx: ServiceContext
) -> Session:
    """The session, if its report is this worker's to write now; else NotYourReport."""
    found = next(
        (s for s in await sessions_to_report(uow, worker_id, ctx) if s.id == session_id), None
    )
    if found is None:
        raise NotYourReport(session_id)
    return found


async def review_report(
    uow: AsyncSession, worker_id: int, session_id: int, ctx: ServiceContext
) -> str:
    """What the report will say, for the worker to read before submitting."""
    session = await _reportable(uow, worker_id, session_id, ctx)
    return report_summary(await gather_report(uow, session, ctx))


async def submit_report(
    uow: AsyncSession, *, worker: Person, session_id: int, ctx: ServiceContext
) -> Submitted:
    """Record the submission (a new version, its PDF to make); refused if not theirs."""
    session = await _reportable(uow, worker.id, session_id, ctx)
    now = ctx.now()
    report = await uow.scalar(select(SessionReport).where(SessionReport.session_id == session.id))
    if report is None:
        report = SessionReport(session_id=session.id, worker_id=worker.id, version=0)
        uow.add(report)
    report.version = (report.version or 0) + 1
    report.submitted_at = now
    report.status = ReportStatus.SUBMITTED.value
    report.pdf = None
    report.decided_by_id = report.decided_at = report.sent_back_reason = None
    await uow.flush()
    record_audit(
        uow,
        "report.submitted",
        at=now,
        actor_person_id=worker.id,
        subject=audit_subject("session", session.id),
        report_id=report.id,
        version=report.version,
    )
    return Submitted(report, session.ref, ctx.config.reports.sign_off)
