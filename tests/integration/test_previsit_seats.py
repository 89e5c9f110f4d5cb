"""Pre-visit seats are held by the database: two instances racing never go beyond a slot's
capacity; past bookings are purged after the retention time; the CLI exports what is kept."""

from __future__ import annotations

import asyncio
import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import app
from handlers.people.importing import import_records
from handlers.service.clock import FakeClock
from handlers.service.config import PrevisitVenue, ServiceConfig
from handlers.service.context import ServiceContext
from handlers.sessions import (
    NotYourBooking,
    PrevisitAnswers,
    SlotTaken,
    book_previsit,
    cancel_previsit,
    move_previsit,
)
from scheduler.retention import RetentionPurge
from storage.database import Database
from storage.models import Child, Person, PrevisitBooking
from tests.e2e.fixtures import CHILDREN, MONDAY_MORNING, PEOPLE

CARERS = 6
MORE_PEOPLE = "".join(f"R{n},Rowan{n},Testracer,carer,,\n" for n in range(CARERS))
MORE_CHILDREN = "".join(f"RC{n},R.{'ABCDEF'[n]}.,SW1,R{n}\n" for n in range(CARERS))
LAST_SEATS = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # Wednesday 10:00 at Coffee Hall
ANSWERS = PrevisitAnswers("up at 7", "nursery 9-3", '=HYPERLINK("x")')


def two_seats(config: ServiceConfig) -> ServiceConfig:
    previsits = config.previsits.model_copy(
        update={"venues": {"coffee-hall": PrevisitVenue(capacity=2)}}
    )
    return config.model_copy(update={"previsits": previsits})


async def _book(db: Database, ctx: ServiceContext, ref: str) -> int | None:
    async with db.unit_of_work() as uow:
        carer = await uow.scalar(select(Person).where(Person.ref == ref))
        child = await uow.scalar(select(Child).where(Child.ref == f"RC{ref[1:]}"))
        assert carer is not None and child is not None
        try:
            booking = await book_previsit(
                uow,
                carer=carer,
                venue_code="coffee-hall",
                starts_at=LAST_SEATS,
                child_ids=[child.id],
                answers=ANSWERS,
                ctx=ctx,
            )
        except SlotTaken:
            return None
        return booking.seat


async def test_two_instances_racing_for_the_last_seats_never_go_beyond_capacity(
    database: Database, service_config: ServiceConfig
) -> None:
    config = two_seats(service_config)
    ctx = ServiceContext(config, FakeClock(MONDAY_MORNING))
    async with database.unit_of_work() as uow:
        await import_records(
            uow,
            config,
            now=MONDAY_MORNING,
            people=PEOPLE + MORE_PEOPLE,
            children=CHILDREN + MORE_CHILDREN,
        )
    other = Database(database.url)  # a second instance: its own engine and connections
    try:
        seats = await asyncio.gather(
            *(_book(database if n % 2 else other, ctx, f"R{n}") for n in range(CARERS))
        )
    finally:
        await other.dispose()
    assert sorted(seat for seat in seats if seat is not None) == [1, 2]
    assert seats.count(None) == CARERS - 2
    async with database.unit_of_work() as uow:
        held = list(await uow.scalars(select(PrevisitBooking.seat)))
    assert sorted(held) == [1, 2]


async def test_past_bookings_are_purged_after_the_retention_time(
    database: Database, service_config: ServiceConfig
) -> None:
    ctx = ServiceContext(service_config, FakeClock(MONDAY_MORNING))
    async with database.unit_of_work() as uow:
        await import_records(
            uow, service_config, now=MONDAY_MORNING, people=PEOPLE + MORE_PEOPLE,
            children=CHILDREN + MORE_CHILDREN,
        )  # fmt: skip
    assert await _book(database, ctx, "R0") == 1
    purge_at = LAST_SEATS + timedelta(hours=1, days=service_config.retention.previsit_days)
    for at, left in ((purge_at - timedelta(minutes=1), [1]), (purge_at + timedelta(minutes=1), [])):
        ctx.clock.set(at)  # type: ignore[attr-defined]
        await RetentionPurge(database, ctx).run_if_due()
        async with database.unit_of_work() as uow:
            assert list(await uow.scalars(select(PrevisitBooking.seat))) == left


async def test_a_carer_cannot_book_for_another_carers_child_or_move_or_cancel_their_booking(
    database: Database, service_config: ServiceConfig
) -> None:
    ctx = ServiceContext(service_config, FakeClock(MONDAY_MORNING))
    async with database.unit_of_work() as uow:
        await import_records(
            uow, service_config, now=MONDAY_MORNING, people=PEOPLE + MORE_PEOPLE,
            children=CHILDREN + MORE_CHILDREN,
        )  # fmt: skip
    assert await _book(database, ctx, "R0") == 1
    async with database.unit_of_work() as uow:
        intruder = await uow.scalar(select(Person).where(Person.ref == "R1"))
        theirs = await uow.scalar(select(PrevisitBooking))
        not_mine = await uow.scalar(select(Child).where(Child.ref == "RC0"))
        assert intruder is not None and theirs is not None and not_mine is not None
        with pytest.raises(NotYourBooking):
            await book_previsit(
                uow, carer=intruder, venue_code="coffee-hall",
                starts_at=LAST_SEATS + timedelta(hours=1), child_ids=[not_mine.id],
                answers=ANSWERS, ctx=ctx,
            )  # fmt: skip
        with pytest.raises(NotYourBooking):
            await move_previsit(
                uow, carer=intruder, booking_id=theirs.id, venue_code="coffee-hall",
                starts_at=LAST_SEATS + timedelta(hours=1), ctx=ctx,
            )  # fmt: skip
        with pytest.raises(NotYourBooking):
            await cancel_previsit(uow, carer=intruder, booking_id=theirs.id, ctx=ctx)
    async with database.unit_of_work() as uow:
        assert [(b.carer_id, b.starts_at) for b in await uow.scalars(select(PrevisitBooking))] == [
            (theirs.carer_id, LAST_SEATS)
        ]


def test_the_cli_exports_previsits_as_spreadsheet_safe_csv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, service_config: ServiceConfig
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("TELEGRAM_TOKEN", "SERVICE_CONFIG", "RUNTIME", "TELEGRAM_API_URL"):
        monkeypatch.delenv(f"FAMILYTIME_{name}", raising=False)
    path = tmp_path / "cli.sqlite3"
    monkeypatch.setenv("FAMILYTIME_DATABASE_URL", f"sqlite:///{path}")
    (tmp_path / "people.csv").write_text(PEOPLE + MORE_PEOPLE)
    (tmp_path / "children.csv").write_text(CHILDREN + MORE_CHILDREN)
    runner = CliRunner()
    imported = runner.invoke(
        app, ["import", "--people", "people.csv", "--children", "children.csv"]
    )
    assert imported.exit_code == 0, imported.output

    async def book() -> None:
        db = Database(f"sqlite+aiosqlite:///{path}")
        try:
            ctx = ServiceContext(service_config, FakeClock(MONDAY_MORNING))
            assert await _book(db, ctx, "R1") == 1
        finally:
            await db.dispose()

    asyncio.run(book())
    result = runner.invoke(app, ["previsits", "export", "--out", str(tmp_path / "export")])
    assert result.exit_code == 0, result.output
    assert "Wrote 1 pre-visit(s)" in result.output
    exported = tmp_path / "export" / "previsits.csv"
    assert exported.stat().st_mode & 0o077 == 0  # readable by its owner only
    (row,) = csv.DictReader(exported.read_text().splitlines())
    assert row["starts_at"] == "2026-11-25T10:00:00+00:00"
    assert row["carer_ref"] == "R1" and row["children"] == "R.B. (RC1)"
    assert row["clubs"] == '\'=HYPERLINK("x")'  # a formula stays text
