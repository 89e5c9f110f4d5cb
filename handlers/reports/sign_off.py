"""A senior signs off a session report (with `reports.sign_off`): the first decision wins.

Each senior and manager gets the PDF and a message with *Approve* and *Send back*; the other
copies are then edited to say who decided. Sent back, the worker hears why and can submit
again (a new version: buttons of the old one are refused as stale).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.delivery.chat import Button, SendDocument, SendMessage, button_number
from handlers.delivery.coordinators import tell_coordinators
from handlers.delivery.outbox import decided_text, mark_copies_decided, queue_delivery
from handlers.delivery.start_buttons import start_button
from handlers.reports.facts import ReportFacts, gather_report
from handlers.reports.sending import REPORT_START, report_filename, send_report
from handlers.service.audit import audit_subject, record_audit
from handlers.service.context import ServiceContext
from storage.models import OutboxMessage, Person, ReportStatus, Role, Session, SessionReport

SIGN_PREFIX = "rpt:"  # rpt:<report id>:<version>:<a|b>
APPROVE, SEND_BACK = "a", "b"
REPORT_SIGNERS = frozenset({Role.SENIOR.value, Role.MANAGER.value})  # who may sign one off
SEND_BACK_REASON_MAX_LENGTH = 300


class SignOff(enum.StrEnum):
    """What became of a decision on a report."""

    APPROVED = "approved"
    ASK_REASON = "ask_reason"  # Send back pressed: the reason is asked next
    SENT_BACK = "sent_back"
    ALREADY = "already"  # someone decided first
    STALE = "stale"  # the worker has submitted a newer version since
    UNKNOWN = "unknown"  # forged, or a report this person was never asked about


@dataclass(frozen=True)
class SignedOff:
    """The outcome, with the tapped copy's new text (or who decided first) and the report."""

    outcome: SignOff
    text: str = ""
    report_id: int = 0
    version: int = 0
    ref: str = ""


def sign_data(report_id: int, version: int, code: str) -> str:
    """Opaque button data for one decision on one version of a report."""
    return f"{SIGN_PREFIX}{report_id}:{version}:{code}"


def parse_sign(data: str) -> tuple[int, int, str] | None:
    """The report id, version and decision code from button data, or None if malformed."""
    parts = data.removeprefix(SIGN_PREFIX).split(":")
    if not data.startswith(SIGN_PREFIX) or len(parts) != 3 or parts[2] not in (APPROVE, SEND_BACK):
        return None
    report_id, version = button_number(parts[0]), button_number(parts[1])
    if report_id is None or version is None:
        return None
    return report_id, version, parts[2]


def _copy_key(report_id: int, version: int, person_id: int) -> str:
    return f"report:{report_id}:v{version}:signoff:person:{person_id}"


async def ask_for_sign_off(
    uow: AsyncSession,
    report: SessionReport,
    facts: ReportFacts,
    worker: Person,
    ctx: ServiceContext,
) -> list[int]:
    """Send the PDF with Approve and Send back to every active senior and manager."""
    now = ctx.now()
    signers = await uow.scalars(
        select(Person)
        .where(Person.role.in_(REPORT_SIGNERS), Person.is_active.is_(True), Person.id != worker.id)
        .order_by(Person.id)
    )
    text = f"📝 {worker.first_name}'s report for session {facts.ref} ({facts.day}) needs sign-off."
    keyboard = (
        (
            Button("✅ Approve", sign_data(report.id, report.version, APPROVE)),
            Button("↩ Send back", sign_data(report.id, report.version, SEND_BACK)),
        ),
    )
    asked = []
    for signer in signers:
        key = _copy_key(report.id, report.version, signer.id)
        document = SendDocument(report_filename(facts.ref), report.pdf or b"", protect_content=True)
        await queue_delivery(uow, document, now=now, person_id=signer.id, dedupe_key=f"{key}:pdf")
        await queue_delivery(
            uow,
            SendMessage(text, keyboard, protect_content=True),
            now=now,
            person_id=signer.id,
            dedupe_key=key,
        )
        asked.append(signer.id)
    if not asked:  # nobody can sign it off: it must not wait unseen
        await tell_coordinators(
            uow,
            f"📝 {worker.first_name}'s report for session {facts.ref} needs sign-off, but no "
            "senior or manager is active to give it.",
            key=f"report:{report.id}:v{report.version}:no-signer",
            now=now,
        )
    return asked


async def _asked(
    uow: AsyncSession, person: Person, report_id: int, version: int
) -> tuple[SessionReport, OutboxMessage | None] | None:
    """The report and this person's copy of the question, if they were asked about it. Once the
    retention purge has dropped the copy (`outbox_days` after it was sent) any senior or manager
    but the report's worker may still decide, so an old question can't leave a report unsent."""
    report = await uow.get(SessionReport, report_id)
    if report is None:
        return None
    copy = await uow.scalar(
        select(OutboxMessage).where(
            OutboxMessage.dedupe_key == _copy_key(report_id, version, person.id)
        )
    )
    may_sign = person.role in REPORT_SIGNERS and person.is_active and person.id != report.worker_id
    return (report, copy) if copy is not None or may_sign else None


async def _decided_first(
    uow: AsyncSession, report: SessionReport, version: int, ref: str
) -> SignedOff:
    """Why a decision came too late: a newer version was submitted, or who decided first."""
    await uow.refresh(report)
    if report.version != version:
        return SignedOff(SignOff.STALE, "", report.id, report.version, ref)
    first = await uow.get(Person, report.decided_by_id) if report.decided_by_id else None
    who = first.first_name if first else "Someone"
    return SignedOff(SignOff.ALREADY, who, report.id, report.version, ref)


async def press_sign_off(
    uow: AsyncSession, *, person: Person, data: str, ctx: ServiceContext
) -> SignedOff:
    """Approve (the first decision wins: the report goes out) or Send back (ask why next)."""
    parsed = parse_sign(data)
    found = await _asked(uow, person, *parsed[:2]) if parsed else None
    if parsed is None or found is None:
        return SignedOff(SignOff.UNKNOWN)
    _, version, code = parsed
    report, copy = found
    session = await uow.get(Session, report.session_id)
    assert session is not None
    if report.version != version or report.status != ReportStatus.AWAITING_SIGN_OFF.value:
        return await _decided_first(uow, report, version, session.ref)
    if code == SEND_BACK:
        return SignedOff(SignOff.ASK_REASON, "", report.id, version, session.ref)
    if not await _claim(uow, report, version, person, ctx, ReportStatus.SENT, None):
        return await _decided_first(uow, report, version, session.ref)
    facts = await gather_report(uow, session, ctx)
    told = await send_report(uow, report, session, facts, ctx)
    line = f"✔ {person.first_name} approved it; it has gone to the social worker and coordinators."
    await _edit_other_copies(uow, report, copy.id if copy else None, line, ctx)
    approved = (
        f"✅ {person.first_name} approved your report for session {session.ref}; it has gone "
        f"to the social worker and the coordinators ({len(told)})."
    )
    await _tell_worker(uow, report, approved, ctx)
    text = decided_text(copy, line) if copy else f"📝 The report for session {session.ref}\n{line}"
    return SignedOff(SignOff.APPROVED, text, report.id)


async def send_back_report(
    uow: AsyncSession,
    *,
    person: Person,
    report_id: int,
    version: int,
    reason: str,
    ctx: ServiceContext,
) -> SignedOff:
    """Return the report to its worker with the reason, if nobody decided first."""
    found = await _asked(uow, person, report_id, version)
    if found is None:
        return SignedOff(SignOff.UNKNOWN)
    report, _ = found
    session = await uow.get(Session, report.session_id)
    assert session is not None
    why = reason[:SEND_BACK_REASON_MAX_LENGTH]
    if not await _claim(uow, report, version, person, ctx, ReportStatus.SENT_BACK, why):
        return await _decided_first(uow, report, version, session.ref)
    line = f"↩ {person.first_name} sent it back to the worker."
    await _edit_other_copies(uow, report, None, line, ctx)
    await _tell_worker(
        uow,
        report,
        f"↩ {person.first_name} sent back your report for session {session.ref}: {why}\n"
        "Amend your notes if needed, then review and submit it again.",
        ctx,
        (start_button("📝 Review and submit again", REPORT_START, str(session.id)),),
    )
    return SignedOff(SignOff.SENT_BACK, line, report.id, version, session.ref)


async def _claim(
    uow: AsyncSession,
    report: SessionReport,
    version: int,
    person: Person,
    ctx: ServiceContext,
    status: ReportStatus,
    reason: str | None,
) -> bool:
    """Decide this version if nobody has yet (across instances); audited."""
    now = ctx.now()
    claimed = await uow.execute(
        update(SessionReport)
        .where(
            SessionReport.id == report.id,
            SessionReport.version == version,
            SessionReport.status == ReportStatus.AWAITING_SIGN_OFF.value,
        )
        .values(
            status=status.value, decided_by_id=person.id, decided_at=now, sent_back_reason=reason
        )
        .execution_options(synchronize_session=False)
    )
    if not getattr(claimed, "rowcount", 0):
        return False
    await uow.refresh(report)
    record_audit(
        uow,
        "report.approved" if status is ReportStatus.SENT else "report.sent_back",
        at=now,
        actor_person_id=person.id,
        subject=audit_subject("session", report.session_id),
        note=reason,
        report_id=report.id,
        version=version,
    )
    return True


async def _edit_other_copies(
    uow: AsyncSession, report: SessionReport, own_id: int | None, line: str, ctx: ServiceContext
) -> None:
    """Every other signer's question loses its buttons and says who decided."""
    copies = await uow.scalars(
        select(OutboxMessage).where(
            OutboxMessage.dedupe_key.like(f"report:{report.id}:v{report.version}:signoff:person:%"),
            OutboxMessage.dedupe_key.not_like("%:pdf"),
        )
    )
    others = [copy for copy in copies if copy.id != own_id]
    await mark_copies_decided(uow, others, line, now=ctx.now())


async def _tell_worker(
    uow: AsyncSession,
    report: SessionReport,
    text: str,
    ctx: ServiceContext,
    buttons: tuple[Button, ...] = (),
) -> None:
    await queue_delivery(
        uow,
        SendMessage(text, (buttons,) if buttons else (), protect_content=True),
        now=ctx.now(),
        person_id=report.worker_id,
        dedupe_key=f"report:{report.id}:v{report.version}:decided:worker",
    )
