"""A report waiting for sign-off never gets stuck: a senior's Approve still works after the
retention purge has dropped the question it came with."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.reports.sign_off import APPROVE, SignOff, press_sign_off, sign_data
from handlers.reports.submitting import submit_report
from handlers.service.config import ServiceConfig
from handlers.service.config_sessions import Reports
from handlers.service.context import ServiceContext
from scheduler.report_pdfs import ReportPdfs
from storage.database import Database
from storage.models import OutboxMessage, Person, ReportStatus, Session, SessionReport
from tests.integration.test_session_report import _record_s0


async def _person(uow: AsyncSession, ref: str) -> Person:
    found = await uow.scalar(select(Person).where(Person.ref == ref))
    assert found is not None
    return found


async def test_approve_works_after_the_question_was_purged_but_never_for_its_worker(
    database: Database, service_config: ServiceConfig
) -> None:
    config = service_config.model_copy(update={"reports": Reports(sign_off=True)})
    ctx = ServiceContext(config, (await _record_s0(database, config)).clock)
    async with database.unit_of_work() as uow:
        s0 = await uow.scalar(select(Session).where(Session.ref == "S0"))
        assert s0 is not None
        wren = await _person(uow, "W1")
        submitted = await submit_report(uow, worker=wren, session_id=s0.id, ctx=ctx)
        assert submitted.needs_sign_off
        data = sign_data(submitted.report.id, submitted.report.version, APPROVE)
    assert await ReportPdfs(database, ctx).run_once() == 1  # made; the seniors and managers asked
    async with database.unit_of_work() as uow:
        report = await uow.scalar(select(SessionReport))
        assert report is not None and report.status == ReportStatus.AWAITING_SIGN_OFF.value
    async with database.unit_of_work() as uow:  # as the purge does, `outbox_days` after sending
        await uow.execute(delete(OutboxMessage))
    async with database.unit_of_work() as uow:
        own = await press_sign_off(uow, person=await _person(uow, "W1"), data=data, ctx=ctx)
        assert own.outcome is SignOff.UNKNOWN  # a worker never signs off their own report
        sid = await _person(uow, "SN1")
        approved = await press_sign_off(uow, person=sid, data=data, ctx=ctx)
        assert approved.outcome is SignOff.APPROVED
        assert approved.text == (
            "📝 The report for session S0\n"
            "✔ Sid approved it; it has gone to the social worker and coordinators."
        )
    async with database.unit_of_work() as uow:
        report = await uow.scalar(select(SessionReport))
        assert report is not None and report.status == ReportStatus.SENT.value
