"""The session report's PDF: what it holds, in order; nothing of the carer on a no-meet
session; nothing of another family's session the same day; the same bytes when made again."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from pypdf import PdfReader
from sqlalchemy import select

from handlers.delivery.retention import purge_report_pdfs
from handlers.people import import_records
from handlers.reports.export import session_chronology
from handlers.reports.facts import gather_report
from handlers.reports.pdf import report_pdf
from handlers.service.clock import FakeClock
from handlers.service.config import ServiceConfig
from handlers.service.context import ServiceContext
from storage.database import Database
from storage.models import (
    Alert,
    EventKind,
    NoteKind,
    Person,
    ReportStatus,
    Session,
    SessionEvent,
    SessionNote,
    SessionReport,
)
from tests.e2e.fixtures import ALERT_STAFF, PEOPLE

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # Monday, GMT: local time is UTC
CHILDREN = """ref,initials,social_worker_ref,carer_refs
CH1,A.B.,SW1,C1
CH3,F.G.,SW1,C2
"""
SESSIONS = (
    "ref,venue,room,date,start,end,worker_ref,child_refs,supervision,status,attendees,no_meet,"
    "parent_arrives,parent_leaves,carer_arrives,carer_leaves\n"
    "S0,coffee-hall,Room 1,2026-11-23,09:30,11:00,W1,CH3,full,,M.B.:PA-101,yes,"
    "09:14,11:02,09:26,11:12\n"
    "N2,greenleys,Garden room,2026-11-23,13:00,14:00,W1,CH1,supported,,J.K.:PA-202,,,,,\n"
)


def _at(hour: int, minute: int) -> datetime:
    return datetime(2026, 11, 23, hour, minute, tzinfo=UTC)


def pdf_text(content: bytes) -> str:
    """Every page's text, with runs of whitespace (wrapped lines) as one space."""
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


async def _record_s0(database: Database, config: ServiceConfig) -> ServiceContext:
    ctx = ServiceContext(config, FakeClock(NOW))
    async with database.unit_of_work() as uow:
        await import_records(
            uow,
            config,
            now=NOW,
            people=PEOPLE + ALERT_STAFF,
            children=CHILDREN,
            sessions=SESSIONS,
        )
    async with database.unit_of_work() as uow:
        s0 = await uow.scalar(select(Session).where(Session.ref == "S0"))
        n2 = await uow.scalar(select(Session).where(Session.ref == "N2"))
        wren = await uow.scalar(select(Person).where(Person.ref == "W1"))
        sid = await uow.scalar(select(Person).where(Person.ref == "SN1"))
        assert s0 and n2 and wren and sid
        for kind, at in (
            (EventKind.PARENT_ARRIVED, _at(9, 16)),
            (EventKind.CHILD_ARRIVED, _at(9, 27)),
            (EventKind.STARTED, _at(9, 31)),
            (EventKind.PARENT_LEFT, _at(10, 54)),
            (EventKind.CHILD_RETURNED, _at(11, 8)),
        ):
            uow.add(SessionEvent(session_id=s0.id, kind=kind.value, at=at, by_person_id=wren.id))
        notes = [
            (NoteKind.VIEW, "Mum was warm and attentive throughout", None, _at(10, 40)),
            (NoteKind.OBSERVED, "F.G. ran to mum and hugged her", None, _at(9, 35)),
            (NoteKind.SAID, "I missed you so much", None, _at(9, 36)),
            (NoteKind.REPORTED, "mum bought new shoes", "the child", _at(9, 50)),
        ]
        for kind, text, source, at in notes:
            uow.add(
                SessionNote(
                    session_id=s0.id,
                    author_id=wren.id,
                    kind=kind.value,
                    text=text,
                    source=source,
                    written_at=at,
                )
            )
        uow.add(
            SessionNote(
                session_id=n2.id,
                author_id=wren.id,
                kind=NoteKind.OBSERVED.value,
                text="A.B. played with the trains",
                written_at=_at(13, 10),
            )
        )
        await uow.flush()
        observed = await uow.scalar(
            select(SessionNote).where(SessionNote.text.startswith("F.G. ran"))
        )
        assert observed is not None
        uow.add(
            SessionNote(
                session_id=s0.id,
                author_id=wren.id,
                kind=NoteKind.OBSERVED.value,
                text="F.G. walked to mum and hugged her",
                written_at=_at(11, 20),
                amends_id=observed.id,
                amend_reason="misremembered",
            )
        )
        uow.add(
            Alert(
                severity="urgent",
                status="resolved",
                raised_by_id=wren.id,
                session_id=s0.id,
                venue_code="coffee-hall",
                note="raised voice at the door",
                raised_at=_at(10, 5),
                resolved_by_id=sid.id,
                resolved_at=_at(10, 30),
                outcome="Advice given",
            )
        )
        s0.ended_at, s0.ended_by_id, s0.end_kind, s0.end_reason = (
            _at(10, 58),
            wren.id,
            "early",
            "distressed",
        )
    return ctx


async def _report_text(database: Database, ctx: ServiceContext, ref: str) -> tuple[bytes, str]:
    async with database.unit_of_work() as uow:
        booked = await uow.scalar(select(Session).where(Session.ref == ref))
        assert booked is not None
        facts = await gather_report(uow, booked, ctx)
    content = report_pdf(facts, service_name="Test Family Time", made_at=NOW)
    return content, pdf_text(content)


async def test_the_report_holds_the_session_in_order_with_notes_under_their_kinds(
    database: Database, service_config: ServiceConfig
) -> None:
    ctx = await _record_s0(database, service_config)
    content, text = await _report_text(database, ctx, "S0")
    in_order = [
        "Session reference: S0",
        "Date: Monday 23 November 2026",
        "Planned time: 09:30-11:00",
        "Actual time: 09:31-10:58",
        "Venue and room: Coffee Hall, Room 1",
        "Child brought by: the child's carer (withheld",
        "Supervised by: Wren (worker)",
        "Attended: M.B. (PA-101)",
        "Children: F.G. (CH3)",
        "Parent arrived: 09:16",
        "Parent left: 10:54",
        "Observed",
        "09:35 F.G. ran to mum and hugged her (amended: see Amendments)",
        "Said (quoted)",
        '09:36 "I missed you so much"',
        "Reported (with who said it)",
        "09:50 the child said: mum bought new shoes",
        "The worker's professional opinion",
        "10:40 Mum was warm and attentive throughout",
        "Alerts raised during the session",
        "A",  # its reference
        "at 10:05, urgent: raised voice at the door. Outcome: resolved at 10:30: Advice given.",
        "How the session ended",
        "Ended early at 10:58. Reason: Child distressed.",
        "Amendments",
        "Note of 09:35 (observed) amended at 11:20 by Wren (worker). Reason: misremembered. "
        'Original (kept): "F.G. ran to mum and hugged her". '
        'Amended to: "F.G. walked to mum and hugged her".',
        "CONFIDENTIAL",
        "social worker and the court",
        "must not be shared with a parent",
    ]
    position = 0
    for expected in in_order:
        found = text.find(expected, position)
        assert found >= 0, (expected, text[position : position + 300])
        position = found + len(expected)
    assert content == (await _report_text(database, ctx, "S0"))[0]  # made again: the same


async def test_a_no_meet_report_holds_nothing_of_the_carer_nor_of_another_family(
    database: Database, service_config: ServiceConfig
) -> None:
    ctx = await _record_s0(database, service_config)
    _, text = await _report_text(database, ctx, "S0")
    for carer_detail in ("Carmen", "Othercarer", "09:26", "11:12", "09:27", "11:08"):
        assert carer_detail not in text
    assert "Child arrived (with the carer): withheld" in text
    for other_family in ("A.B.", "CH1", "trains", "J.K.", "PA-202", "Greenleys", "Casey"):
        assert other_family not in text

    _, other = await _report_text(database, ctx, "N2")  # not no-meet: the carer is named
    assert "Child brought by: Casey (carer)" in other
    assert "A.B. played with the trains" in other
    for first_family in ("F.G.", "CH3", "hugged", "M.B.", "raised voice"):
        assert first_family not in other


async def test_the_chronology_has_one_row_per_session_as_its_timeline_says(
    database: Database, service_config: ServiceConfig
) -> None:
    ctx = await _record_s0(database, service_config)
    content, _ = await _report_text(database, ctx, "S0")
    async with database.unit_of_work() as uow:
        s0 = await uow.scalar(select(Session).where(Session.ref == "S0"))
        assert s0 is not None and s0.worker_id is not None
        uow.add(
            SessionReport(
                session_id=s0.id,
                worker_id=s0.worker_id,
                status=ReportStatus.SENT.value,
                version=1,
                submitted_at=_at(11, 30),
                sent_at=_at(11, 30),
                pdf=content,
            )
        )
    async with database.unit_of_work() as uow:
        rows, reports = await session_chronology(uow, ctx)
    assert rows == [
        {
            "date": "2026-11-23",
            "session": "S0",
            "children": "F.G.",
            "status": "ended",
            "ended": "early at 10:58: Child distressed",
            "notes": 4,  # the amendment is not a note of its own
            "report_submitted_at": "2026-11-23T11:30:00+00:00",
        },
        {
            "date": "2026-11-23",
            "session": "N2",
            "children": "A.B.",
            "status": "scheduled",
            "ended": "",
            "notes": 1,
            "report_submitted_at": "",
        },
    ]
    assert [(r.filename, r.content) for r in reports] == [("session-report-S0.pdf", content)]


async def test_a_sent_reports_pdf_is_dropped_after_the_retention_period_its_row_kept(
    database: Database, service_config: ServiceConfig
) -> None:
    ctx = await _record_s0(database, service_config)
    async with database.unit_of_work() as uow:
        s0 = await uow.scalar(select(Session).where(Session.ref == "S0"))
        assert s0 is not None and s0.worker_id is not None
        uow.add(
            SessionReport(
                session_id=s0.id,
                worker_id=s0.worker_id,
                status=ReportStatus.SENT.value,
                version=1,
                submitted_at=NOW,
                sent_at=NOW,
                pdf=b"%PDF-1.3",
            )
        )
    days = ctx.config.retention.report_days
    async with database.unit_of_work() as uow:  # a day short: kept
        assert await purge_report_pdfs(uow, before=NOW - timedelta(days=1)) == 0
    async with database.unit_of_work() as uow:
        assert await purge_report_pdfs(uow, before=NOW + timedelta(days=days)) == 1
    async with database.unit_of_work() as uow:
        report = await uow.scalar(select(SessionReport))
        assert report is not None and report.pdf is None and report.sent_at == NOW


async def test_a_report_names_no_phone_for_a_missed_welfare_check_nor_a_no_meet_carers_words(
    database: Database, service_config: ServiceConfig
) -> None:
    ctx = await _record_s0(database, service_config)
    async with database.unit_of_work() as uow:
        s0 = await uow.scalar(select(Session).where(Session.ref == "S0"))
        wren = await uow.scalar(select(Person).where(Person.ref == "W1"))
        carer = await uow.scalar(select(Person).where(Person.ref == "C2"))
        assert s0 and wren and carer
        for raised_by, origin, note, at in (
            (wren, "welfare", "No answer at 10:10 from Wren (phone 07700 900123)", _at(10, 20)),
            (carer, None, "The carer says: a bruise on her left arm from the slide", _at(9, 20)),
        ):
            uow.add(
                Alert(
                    severity="urgent",
                    status="open",
                    raised_by_id=raised_by.id,
                    session_id=s0.id,
                    venue_code="coffee-hall",
                    note=note,
                    raised_at=at,
                    origin=origin,
                )
            )
    _, text = await _report_text(database, ctx, "S0")
    assert "no answer to a welfare check (raised by the bot)" in text
    assert "a concern from the child's carer (withheld: parent and carer must not meet)" in text
    for leaked in ("07700", "phone", "bruise", "The carer says"):
        assert leaked not in text


async def test_an_end_marked_on_time_long_before_the_booked_end_says_the_booked_end(
    database: Database, service_config: ServiceConfig
) -> None:
    ctx = await _record_s0(database, service_config)
    async with database.unit_of_work() as uow:
        s0 = await uow.scalar(select(Session).where(Session.ref == "S0"))
        assert s0 is not None
        s0.end_kind, s0.end_reason, s0.ended_at = "on_time", None, _at(10, 0)  # booked to 11:00
    _, text = await _report_text(database, ctx, "S0")
    assert "Ended on time at 10:00, as the worker marked it (booked until 11:00)." in text
