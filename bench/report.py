"""The session report: gathering its facts and rendering its PDF, typical and 2,000 notes long.

Run: .venv/bin/python -m bench.report [--notes 2000] [--amendments 200] [--quick]

On SQLite, through `gather_report` and `report_pdf` as the scheduler's report pass calls them. The
baseline is a typical session (10 notes, 5 marks, an alert), timed in the same run. Against it:
the same session beside another family's 2,000 notes the same day (goal: ratio near 1), and a
session with 2,000 notes near the length limit and 200 amendments, gathered and rendered at a
quarter, half and all of its size to show how the cost grows. Each figure is the median of
several runs; peak memory is traced (tracemalloc) on one more run, kept apart from the timing.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from bench.stats import peak_rss_mb
from bot.settings import EXAMPLE_SERVICE_CONFIG
from handlers.delivery.message_limits import split_text
from handlers.people import import_records
from handlers.reports.facts import ReportFacts, gather_report
from handlers.reports.pdf import report_pdf, report_summary
from handlers.service.clock import FakeClock
from handlers.service.config import load_service_config
from handlers.service.context import ServiceContext
from handlers.sessions.notes import SESSION_NOTE_MAX_LENGTH
from storage.database import Database
from storage.migrate import upgrade_database
from storage.models import Alert, EventKind, NoteKind, Person, Session, SessionEvent, SessionNote

DAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday in GMT: local time is UTC
MADE_AT = DAY + timedelta(hours=3)
TYPICAL_NOTES = 10
OTHER_FAMILY = "OTHER-FAMILY"  # in every note of the neighbouring session: none may leak in
PEOPLE = """ref,first_name,last_name,role,venue,phone
C1,Bea,Benchcarer,carer,,
C2,Bo,Othercarer,carer,,
W1,Wren,Benchworker,worker,coffee-hall,
W2,Will,Otherworker,worker,coffee-hall,
SW1,Sam,Benchsocial,social_worker,,
"""
CHILDREN = """ref,initials,social_worker_ref,carer_refs
CH1,A.B.,SW1,C1
CH2,D.E.,SW1,C2
"""
SESSION_HEADER = "ref,venue,room,date,start,end,worker_ref,child_refs,supervision,attendees\n"
MARKS = (
    EventKind.PARENT_ARRIVED,
    EventKind.CHILD_ARRIVED,
    EventKind.STARTED,
    EventKind.PARENT_LEFT,
    EventKind.CHILD_RETURNED,
)
KINDS = tuple(NoteKind)
# Plain words, as a worker writes them, repeated to just under the note length limit.
PROSE = (
    "A.B. sat with mum on the rug and built a tower of blocks; mum counted each block aloud "
    "and A.B. joined in, then knocked the tower over and laughed. "
)


@dataclass(frozen=True)
class Measured:
    """One report made several times: median times, its size and its traced peak."""

    gather_ms: float
    render_ms: float
    pdf_bytes: int
    pages: int
    peak_mb: float
    facts: ReportFacts
    review_parts: int  # the worker's review in the chat, in Telegram-sized messages

    @property
    def total_ms(self) -> float:
        return self.gather_ms + self.render_ms


def long_text(n: int, tag: str) -> str:
    """A note of nearly the maximum length, different for each `n`."""
    head = f"{tag} note {n}: "
    body = PROSE * (SESSION_NOTE_MAX_LENGTH // len(PROSE) + 1)
    return (head + body)[: SESSION_NOTE_MAX_LENGTH - 10]


async def prepare(db: Database, sizes: list[int]) -> dict[str, int]:
    """The typical session, the neighbour's and one long session per size; their ids by ref."""
    config = load_service_config(EXAMPLE_SERVICE_CONFIG)
    rows = [
        "T1,coffee-hall,Room 1,2026-11-23,10:00,11:30,W1,CH1,full,M.B.:PA-101",
        "O1,coffee-hall,Room 2,2026-11-23,10:00,11:30,W2,CH2,full,J.K.:PA-202",
        *(f"L{n},coffee-hall,Room 3,2026-11-23,10:00,11:30,W1,CH1,full,M.B.:PA-101" for n in sizes),
    ]
    async with db.unit_of_work() as uow:
        await import_records(
            uow,
            config,
            now=DAY - timedelta(days=7),
            people=PEOPLE,
            children=CHILDREN,
            sessions=SESSION_HEADER + "\n".join(rows) + "\n",
        )
    async with db.unit_of_work() as uow:
        found = await uow.scalars(select(Session))
        ids = {s.ref: s.id for s in found}
        worker = await uow.scalar(select(Person).where(Person.ref == "W1"))
        assert worker is not None
        for session_id in ids.values():
            for minutes, kind in zip((-14, -3, 1, 86, 88), MARKS, strict=True):
                uow.add(
                    SessionEvent(
                        session_id=session_id,
                        kind=kind.value,
                        at=DAY + timedelta(minutes=minutes),
                        by_person_id=worker.id,
                    )
                )
            uow.add(
                Alert(
                    severity="worry",
                    status="resolved",
                    raised_by_id=worker.id,
                    session_id=session_id,
                    venue_code="coffee-hall",
                    note="mum raised her voice at the door",
                    raised_at=DAY + timedelta(minutes=20),
                    resolved_by_id=worker.id,
                    resolved_at=DAY + timedelta(minutes=35),
                    outcome="Advice given",
                    is_out_of_hours=False,
                    step=0,
                    is_resolve_reminded=False,
                )
            )
        ids["author"] = worker.id
    return ids


async def write_notes(
    db: Database, session_id: int, author_id: int, notes: int, amendments: int, *, tag: str
) -> None:
    """`notes` notes spread over the session, then `amendments` of them amended (new notes)."""
    long = notes > TYPICAL_NOTES
    rows = [
        {
            "session_id": session_id,
            "author_id": author_id,
            "kind": KINDS[n % len(KINDS)].value,
            "text": long_text(n, tag) if long else f"{tag} note {n}: A.B. played with the trains",
            "source": "the child" if KINDS[n % len(KINDS)] is NoteKind.REPORTED else None,
            "written_at": DAY + timedelta(seconds=2 * n),
        }
        for n in range(notes)
    ]
    async with db.unit_of_work() as uow:
        for start in range(0, len(rows), 500):
            await uow.execute(insert(SessionNote), rows[start : start + 500])
        written = list(
            await uow.scalars(
                select(SessionNote.id)
                .where(SessionNote.session_id == session_id)
                .order_by(SessionNote.id)
            )
        )
        every = max(1, len(written) // max(1, amendments))
        amended = [
            {
                "session_id": session_id,
                "author_id": author_id,
                "kind": KINDS[n % len(KINDS)].value,
                "text": long_text(n, f"{tag} amended") if long else f"{tag} note {n}, amended",
                "source": None,
                "written_at": DAY + timedelta(hours=2, seconds=n),
                "amends_id": note_id,
                "amend_reason": ("misremembered the order of events; corrected on review " * 4)[
                    :190
                ],
            }
            for n, note_id in enumerate(written[::every][:amendments])
        ]
        if amended:
            await uow.execute(insert(SessionNote), amended)


async def make_report(
    db: Database, ctx: ServiceContext, session_id: int
) -> tuple[float, float, bytes, ReportFacts]:
    """Gather one session's facts in a unit of work, then render its PDF; both timed."""
    started = time.perf_counter()
    async with db.unit_of_work() as uow:
        booked = await uow.get(Session, session_id)
        assert booked is not None
        facts = await gather_report(uow, booked, ctx)
    gathered = time.perf_counter()
    content = report_pdf(facts, service_name=ctx.config.service_name, made_at=MADE_AT)
    return gathered - started, time.perf_counter() - gathered, content, facts


async def measure(db: Database, ctx: ServiceContext, session_id: int, runs: int) -> Measured:
    """The median of `runs` timed reports, and the traced peak of one more."""
    gathers, renders = [], []
    for _ in range(runs):
        gather_s, render_s, content, facts = await make_report(db, ctx, session_id)
        gathers.append(gather_s * 1000)
        renders.append(render_s * 1000)
    tracemalloc.start()
    await make_report(db, ctx, session_id)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return Measured(
        statistics.median(gathers),
        statistics.median(renders),
        len(content),
        len(re.findall(rb"/Type /Page\b", content)),
        peak / 2**20,
        facts,
        len(split_text(report_summary(facts))),
    )


def leaked(facts: ReportFacts) -> int:
    """How many of the report's notes and amendments came from the other family's session."""
    texts = [n.text for n in facts.notes] + [a.amended for a in facts.amendments]
    return sum(OTHER_FAMILY in text for text in texts)


def describe(name: str, m: Measured, base: Measured) -> str:
    return (
        f"{name}: gather {m.gather_ms:.1f} ms + render {m.render_ms:.1f} ms = "
        f"{m.total_ms:.1f} ms; ratio to baseline {m.total_ms / base.total_ms:.2f}; "
        f"PDF {m.pdf_bytes / 1024:.0f} KB, {m.pages} pages; traced peak {m.peak_mb:.1f} MB; "
        f"chat review {m.review_parts} message(s)"
    )


async def main(notes: int, amendments: int, runs: int) -> None:
    sizes = sorted({max(1, notes // 4), max(1, notes // 2), notes})
    ctx = ServiceContext(load_service_config(EXAMPLE_SERVICE_CONFIG), FakeClock(MADE_AT))
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}")
        await upgrade_database(db)
        ids = await prepare(db, sizes)
        author = ids["author"]
        await write_notes(db, ids["T1"], author, TYPICAL_NOTES, 1, tag="T1")
        await make_report(db, ctx, ids["T1"])  # warm up: imports, fonts, the first connection
        base = await measure(db, ctx, ids["T1"], runs * 10)
        await write_notes(db, ids["O1"], author, notes, amendments, tag=OTHER_FAMILY)
        beside = await measure(db, ctx, ids["T1"], runs * 10)
        for size in sizes:
            await write_notes(
                db, ids[f"L{size}"], author, size, amendments * size // notes, tag=f"L{size}"
            )
        grown = {size: await measure(db, ctx, ids[f"L{size}"], runs) for size in sizes}
        await db.dispose()
    largest = grown[notes]
    print(
        f"typical session (baseline, {TYPICAL_NOTES} notes, 1 amendment, {len(MARKS)} marks, "
        f"an alert): gather {base.gather_ms:.1f} ms + render {base.render_ms:.1f} ms = "
        f"{base.total_ms:.1f} ms; PDF {base.pdf_bytes / 1024:.0f} KB, {base.pages} pages; "
        f"traced peak {base.peak_mb:.1f} MB; chat review {base.review_parts} message(s)"
    )
    print(
        describe(f"the same beside another family's {notes} notes", beside, base)
        + f" (goal ≈ 1); the other family's notes in it: {leaked(beside.facts)}"
    )
    print(
        describe(
            f"{notes} notes of ~{SESSION_NOTE_MAX_LENGTH} characters + {amendments} amendments",
            largest,
            base,
        )
        + f"; the other family's notes in it: {leaked(largest.facts)}; notes kept "
        f"{len(largest.facts.notes)}, amendments {len(largest.facts.amendments)}"
    )
    per_note = {size: grown[size].total_ms / size for size in sizes}
    print(
        "per-note cost (gather + render / notes): "
        + ", ".join(f"{size} notes {per_note[size]:.2f} ms" for size in sizes)
        + f"; baseline {base.total_ms / TYPICAL_NOTES:.2f} ms"
    )
    growth = max(per_note.values()) / min(per_note.values())
    shape = "linear" if growth <= 1.5 else "NOT linear"
    print(
        f"growth: per-note cost varies {growth:.2f}× from {sizes[0]} to {sizes[-1]} notes: {shape} "
        f"(linear: within 1.5×); traced peak per note {largest.peak_mb * 1024 / notes:.1f} KB"
    )
    print(
        f"the render runs in a thread with no transaction open (the scheduler makes the PDF "
        f"after the submission, scheduler/report_pdfs.py): no chat and no write waits for it; "
        f"the PDF follows the submission by {base.render_ms:.0f} ms for a typical report, "
        f"{largest.render_ms / 1000:.1f} s for {notes} notes"
    )
    print(f"peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=2000, help="notes on the long session")
    parser.add_argument("--amendments", type=int, default=200, help="of them amended")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each long report")
    parser.add_argument(
        "--quick", action="store_true", help="a small run (200 notes, 20 amendments, 1 run)"
    )
    args = parser.parse_args()
    if args.quick:
        args.notes, args.amendments, args.runs = 200, 20, 1
    asyncio.run(main(args.notes, args.amendments, args.runs))
