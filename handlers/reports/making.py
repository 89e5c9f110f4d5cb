"""A submitted report's PDF, made outside any transaction: its facts gathered in one unit of
work, rendered with none open (by the scheduler, in a thread), then stored and sent in another.

The second unit of work re-reads the report (locked on PostgreSQL) and goes on only if it is
still the version rendered and still waiting for its PDF, so it is sent once, whatever the
number of instances; a newer submission meanwhile is made in its own turn.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.delivery.chat import SendMessage
from handlers.delivery.coordinators import tell_coordinators
from handlers.delivery.outbox import queue_delivery
from handlers.reports.facts import ReportFacts, gather_report
from handlers.reports.pdf import report_pdf
from handlers.reports.sending import send_report
from handlers.reports.sign_off import ask_for_sign_off
from handlers.service.context import ServiceContext
from handlers.service.labels import counted
from storage.models import Person, ReportStatus, Session, SessionReport


@dataclass(frozen=True)
class ReportToMake:
    """One submitted version of a report and the facts its PDF is drawn from."""

    report_id: int
    version: int
    facts: ReportFacts
    submitted_at: datetime


async def next_report_to_make(
    uow: AsyncSession, ctx: ServiceContext, *, leaving_out: Collection[int] = ()
) -> ReportToMake | None:
    """The report submitted longest ago whose PDF is still to make, with its facts gathered."""
    report = await uow.scalar(
        select(SessionReport)
        .where(
            SessionReport.status == ReportStatus.SUBMITTED.value,
            SessionReport.id.not_in(leaving_out),
        )
        .order_by(SessionReport.submitted_at, SessionReport.id)
        .limit(1)
    )
    if report is None:
        return None
    session = await uow.get(Session, report.session_id)
    assert session is not None and report.submitted_at is not None
    facts = await gather_report(uow, session, ctx)
    return ReportToMake(report.id, report.version, facts, report.submitted_at)


def render_report_pdf(made: ReportToMake, service_name: str, made_at: datetime) -> bytes:
    """The report's PDF: pure, and slow for a long report, so run with no transaction open."""
    return report_pdf(made.facts, service_name=service_name, made_at=made_at)


async def deliver_made_report(
    uow: AsyncSession, made: ReportToMake, pdf: bytes, ctx: ServiceContext, *, lock: bool
) -> bool:
    """Store the PDF and send it, or ask for its sign-off, and tell the worker; False if the
    report moved on meanwhile (made by another instance, or submitted again)."""
    query = select(SessionReport).where(SessionReport.id == made.report_id)
    report = await uow.scalar(query.with_for_update() if lock else query)
    if report is None or not _still_to_make(report, made.version):
        return False
    session = await uow.get(Session, report.session_id)
    worker = await uow.get(Person, report.worker_id)
    assert session is not None and worker is not None
    report.pdf = pdf
    ref = made.facts.ref
    if ctx.config.reports.sign_off:
        report.status = ReportStatus.AWAITING_SIGN_OFF.value
        asked = await ask_for_sign_off(uow, report, made.facts, worker, ctx)
        text = (
            f"📄 Report for session {ref} sent for sign-off to "
            f"{counted(len(asked), 'person', 'people')}, the seniors and managers."
            if asked
            else f"📄 Report for session {ref} made, but no senior or manager is active to sign "
            "it off: the coordinators have been told."
        )
    else:
        told = await send_report(uow, report, session, made.facts, ctx)
        text = (
            f"📄 Report for session {ref} sent to {counted(len(told), 'person', 'people')}, "
            "the social worker and the coordinators."
            if told
            else f"📄 Report for session {ref} made, but no social worker or coordinator is on "
            f"record to receive it: please phone the office on "
            f"{ctx.config.contacts.office_phone}."
        )
    await queue_delivery(
        uow,
        SendMessage(text, protect_content=True),
        now=ctx.now(),
        person_id=worker.id,
        dedupe_key=f"report:{report.id}:v{report.version}:made:worker",
    )
    return True


async def report_not_made(uow: AsyncSession, made: ReportToMake, ctx: ServiceContext) -> None:
    """The PDF could not be made: the coordinators are told once, so it never waits unseen."""
    await tell_coordinators(
        uow,
        f"⚠ The PDF of the report for session {made.facts.ref} could not be made; it will be "
        "tried again when the bot restarts. Please check with the worker.",
        key=f"report:{made.report_id}:v{made.version}:not-made",
        now=ctx.now(),
    )


def _still_to_make(report: SessionReport, version: int) -> bool:
    return report.version == version and report.status == ReportStatus.SUBMITTED.value
