"""A submitted report's PDF is made by the scheduler, outside any transaction: sent once however
often the pass runs and on two instances at once, and an alert raised while it renders is not
held behind it."""

from __future__ import annotations

import asyncio
import threading
from datetime import datetime

import pytest
from sqlalchemy import select, text

from handlers.alerts.raising import raise_alert
from handlers.people.identity import find_person
from handlers.people.importing import import_records
from handlers.reports import (
    ReportToMake,
    deliver_made_report,
    next_report_to_make,
    render_report_pdf,
    submit_report,
)
from handlers.service.clock import FakeClock
from handlers.service.config import ServiceConfig
from handlers.service.context import ServiceContext
from scheduler.report_pdfs import ReportPdfs
from storage.database import Database
from storage.models import (
    OutboxMessage,
    Person,
    ReportStatus,
    Session,
    SessionReport,
    Severity,
    TelegramLink,
)
from tests.e2e.fixtures import ALERT_STAFF, CHILDREN, MONDAY_MORNING, PEOPLE

SESSIONS = (
    "ref,venue,room,date,start,end,worker_ref,child_refs,supervision\n"
    "S0,coffee-hall,Room 1,2026-11-23,08:30,09:30,W1,CH3,full\n"
)
RENDER_FALLBACK_SECONDS = 10  # only so a broken build fails instead of hanging


async def _submitted(database: Database, config: ServiceConfig) -> ServiceContext:
    """S0 ended and its report submitted by Wren, its PDF still to make."""
    ctx = ServiceContext(config, FakeClock(MONDAY_MORNING))
    async with database.unit_of_work() as uow:
        await import_records(
            uow,
            config,
            now=ctx.now(),
            people=PEOPLE + ALERT_STAFF,
            children=CHILDREN,
            sessions=SESSIONS,
        )
    async with database.unit_of_work() as uow:
        for n, person in enumerate(await uow.scalars(select(Person).order_by(Person.id))):
            chat = 7100 + n  # everyone linked, so the alert chain can ping its staff
            uow.add(
                TelegramLink(
                    person_id=person.id, telegram_user_id=chat, chat_id=chat, linked_at=ctx.now()
                )
            )
        booked = await uow.scalar(select(Session).where(Session.ref == "S0"))
        worker = await find_person(uow, "W1")
        assert booked is not None and worker is not None
        booked.ended_at, booked.ended_by_id, booked.end_kind = ctx.now(), worker.id, "on_time"
    async with database.unit_of_work() as uow:
        worker = await find_person(uow, "W1")
        assert worker is not None
        done = await submit_report(uow, worker=worker, session_id=booked.id, ctx=ctx)
        assert done.ref == "S0" and not done.needs_sign_off
    return ctx


async def _report_rows(database: Database) -> tuple[SessionReport, list[OutboxMessage]]:
    async with database.unit_of_work() as uow:
        report = await uow.scalar(select(SessionReport))
        assert report is not None
        rows = list(
            await uow.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.dedupe_key.like(f"report:{report.id}:%"))
                .order_by(OutboxMessage.id)
            )
        )
    return report, rows


async def _other_open_transactions(database: Database) -> int:
    """Transactions open on this database but ours (PostgreSQL)."""
    async with database.unit_of_work() as uow:
        found = await uow.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_type = 'client backend' "
                "AND xact_start IS NOT NULL"
            )
        )
    return int(found or 0)


async def test_submitting_records_it_and_the_pass_makes_and_sends_the_pdf_once(
    database: Database, service_config: ServiceConfig
) -> None:
    ctx = await _submitted(database, service_config)
    report, rows = await _report_rows(database)
    assert (report.status, report.pdf, rows) == (ReportStatus.SUBMITTED.value, None, [])

    pdfs = ReportPdfs(database, ctx)
    assert await pdfs.run_once() == 1
    assert await pdfs.run_once() == 0  # the next pass (or tick) finds nothing to make
    assert await ReportPdfs(database, ctx).run_once() == 0  # nor does a fresh process

    report, rows = await _report_rows(database)
    assert report.status == ReportStatus.SENT.value and report.pdf is not None
    assert report.pdf.startswith(b"%PDF")
    async with database.unit_of_work() as uow:
        names = {p.id: p.ref for p in [await find_person(uow, r) for r in ("SW1", "K1", "W1")] if p}
    assert [(names.get(r.person_id or 0), r.dedupe_key.split(":")[2]) for r in rows] == [
        ("SW1", "sent"),
        ("K1", "sent"),
        ("W1", "v1"),  # the worker told where it went
    ]


async def test_two_instances_making_the_same_report_at_once_send_it_once(
    database: Database, service_config: ServiceConfig
) -> None:
    if not database.is_postgres:
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises them)")
    ctx = await _submitted(database, service_config)
    both_rendering = threading.Barrier(2, timeout=RENDER_FALLBACK_SECONDS)

    def render_together(made: ReportToMake, name: str, at: datetime) -> bytes:
        both_rendering.wait()  # each instance has gathered the same report and renders it
        return render_report_pdf(made, name, at)

    instances = [ReportPdfs(database, ctx, render=render_together) for _ in range(2)]
    sent = await asyncio.gather(*(one.run_once() for one in instances))
    assert sorted(sent) == [0, 1]
    report, rows = await _report_rows(database)
    assert report.status == ReportStatus.SENT.value
    assert len(rows) == 3  # the social worker's, the coordinator's and the worker's: once each


async def test_an_alert_raised_while_a_report_renders_is_not_held_behind_it(
    database: Database, service_config: ServiceConfig
) -> None:
    ctx = await _submitted(database, service_config)
    rendering, released = threading.Event(), threading.Event()
    waited_out: list[bool] = []

    def render_until_released(made: ReportToMake, name: str, at: datetime) -> bytes:
        rendering.set()
        if not released.wait(RENDER_FALLBACK_SECONDS):  # a long report, still rendering
            waited_out.append(True)  # the alert could not commit while it rendered
        return render_report_pdf(made, name, at)

    pdfs = ReportPdfs(database, ctx, render=render_until_released)
    making = asyncio.create_task(pdfs.run_once())
    assert await asyncio.to_thread(rendering.wait, RENDER_FALLBACK_SECONDS)
    if database.is_postgres:
        assert await _other_open_transactions(database) == 0
    async with database.unit_of_work() as uow:  # on SQLite: the write lock is free
        worker = await find_person(uow, "W1")  # the same worker, a moment after submitting
        assert worker is not None
        alert, pinged = await raise_alert(
            uow, worker, severity=Severity.URGENT, session_id=None, note=None, ctx=ctx
        )
    released.set()
    assert await making == 1
    assert waited_out == []  # the alert was committed while the report still rendered

    async with database.unit_of_work() as uow:
        pings = list(
            await uow.scalars(
                select(OutboxMessage.id).where(OutboxMessage.dedupe_key.like(f"alert:{alert.id}:%"))
            )
        )
    _, report_rows = await _report_rows(database)
    assert pinged and len(pings) >= len(pinged)
    assert max(pings) < min(r.id for r in report_rows)  # the pings were queued first


async def test_a_pdf_made_of_a_version_since_replaced_is_not_sent(
    database: Database, service_config: ServiceConfig
) -> None:
    ctx = await _submitted(database, service_config)
    async with database.unit_of_work() as uow:
        made = await next_report_to_make(uow, ctx)
    assert made is not None and made.version == 1
    pdf = render_report_pdf(made, "Test Family Time", made.submitted_at)
    async with database.unit_of_work() as uow:  # submitted again meanwhile
        report = await uow.scalar(select(SessionReport))
        assert report is not None
        report.version = 2
    async with database.unit_of_work() as uow:
        assert not await deliver_made_report(uow, made, pdf, ctx, lock=database.is_postgres)
    report, rows = await _report_rows(database)
    assert (report.status, report.pdf, rows) == (ReportStatus.SUBMITTED.value, None, [])
    assert await ReportPdfs(database, ctx).run_once() == 1  # the newer version, in its turn
    report, rows = await _report_rows(database)
    assert report.status == ReportStatus.SENT.value
    assert rows[-1].dedupe_key.endswith(":v2:made:worker")


async def test_a_pdf_that_cannot_be_made_is_told_to_the_coordinators_once(
    database: Database, service_config: ServiceConfig
) -> None:
    ctx = await _submitted(database, service_config)

    def broken(made: ReportToMake, name: str, at: datetime) -> bytes:
        raise ValueError("a font missing")

    pdfs = ReportPdfs(database, ctx, render=broken)
    assert await pdfs.run_once() == 0
    assert await pdfs.run_once() == 0  # not tried again in this process, nor told again
    report, rows = await _report_rows(database)
    assert report.status == ReportStatus.SUBMITTED.value
    async with database.unit_of_work() as uow:
        coordinator = await find_person(uow, "K1")
    assert coordinator is not None
    (told,) = rows
    assert told.person_id == coordinator.id and "could not be made" in told.payload["text"]
