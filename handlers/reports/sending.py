"""Sending a report: a protected PDF to each child's social worker and the coordinators only."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from handlers.delivery.chat import SendDocument
from handlers.delivery.coordinators import active_coordinators
from handlers.delivery.outbox import queue_delivery
from handlers.reports.facts import ReportFacts
from handlers.service.audit import audit_subject, record_audit
from handlers.service.context import ServiceContext
from storage.models import Person, ReportStatus, Session, SessionReport

REPORT_START = "report"  # the command, and the code of "Review the report" (argument: session)


async def report_recipients(uow: AsyncSession, session: Session) -> list[Person]:
    """Each child's social worker and every coordinator (active), once each, nobody else."""
    booked = await uow.scalar(
        select(Session).where(Session.id == session.id).options(selectinload(Session.children))
    )
    ids = [c.social_worker_id for c in (booked.children if booked else []) if c.social_worker_id]
    social = await uow.scalars(
        select(Person).where(Person.id.in_(ids), Person.is_active.is_(True)).order_by(Person.id)
    )
    found = {p.id: p for p in [*social, *await active_coordinators(uow)]}
    return list(found.values())


def report_filename(ref: str) -> str:
    """A session report's PDF file name: the session's reference only, never a name."""
    return f"session-report-{ref}.pdf"


async def send_report(
    uow: AsyncSession,
    report: SessionReport,
    session: Session,
    facts: ReportFacts,
    ctx: ServiceContext,
) -> list[int]:
    """Mark the report sent and queue its PDF, protected, to each recipient once."""
    now = ctx.now()
    report.status = ReportStatus.SENT.value
    report.sent_at = now
    told = []
    caption = (
        f"📄 Family time session report {facts.ref} ({facts.day}; {facts.children}). "
        "Confidential: not to be shared with a parent without the social worker's decision."
    )
    document = SendDocument(
        report_filename(facts.ref), report.pdf or b"", caption, protect_content=True
    )
    for person in await report_recipients(uow, session):
        await queue_delivery(
            uow,
            document,
            now=now,
            person_id=person.id,
            dedupe_key=f"report:{report.id}:sent:person:{person.id}",
        )
        told.append(person.id)
    record_audit(
        uow,
        "report.sent",
        at=now,
        subject=audit_subject("session", session.id),
        report_id=report.id,
        version=report.version,
        recipients=told,
    )
    return told
