"""What the worker must know, from the import: each child's needs and risks, the people allowed
to attend a session (initials and references), and a no-meet arrangement with its times."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from handlers.people.importing import ImportFailed, import_records
from handlers.service.config import ServiceConfig
from storage.database import Database
from storage.models import Child, Session
from tests.e2e.fixtures import CHILDREN, MONDAY_MORNING, PEOPLE

CHILDREN_TO_KNOW = """ref,initials,social_worker_ref,carer_refs,needs,risks
CH1,A.B.,SW1,C1,"Asthma: inhaler in the bag, two puffs",Parent may try to leave with the child
CH2,D.E.,SW1,C1,,
CH3,F.G.,SW1,C2,Speaks Polish first,
"""
HEADER = (
    "ref,venue,room,date,start,end,worker_ref,child_refs,supervision,status,attendees,no_meet,"
    "parent_arrives,parent_leaves,carer_arrives,carer_leaves\n"
)
NO_MEET = (
    "S1,coffee-hall,Room 2,2026-11-24,10:00,11:30,W1,CH1,full,,M.B.:PA-101;J.B.:PA-102,yes,"
    "09:30,11:45,09:45,11:30\n"
)
PLAIN = "S2,greenleys,Garden room,2026-11-25,14:00,15:00,W2,CH3,supported,,R.T.:PA-301,,,,,\n"


async def _import(database: Database, config: ServiceConfig, **files: str) -> None:
    async with database.unit_of_work() as uow:
        await import_records(uow, config, now=MONDAY_MORNING, people=PEOPLE, **files)


async def _children(database: Database) -> dict[str, tuple[str | None, str | None]]:
    async with database.unit_of_work() as uow:
        children = await uow.scalars(select(Child).order_by(Child.ref))
        return {c.ref: (c.needs, c.risks) for c in children}


async def _session(database: Database, ref: str) -> Session:
    async with database.unit_of_work() as uow:
        found = await uow.scalar(
            select(Session).where(Session.ref == ref).options(selectinload(Session.children))
        )
        assert found is not None
        return found


async def test_needs_and_risks_are_kept_and_a_file_without_them_leaves_them(
    database: Database, service_config: ServiceConfig
) -> None:
    await _import(database, service_config, children=CHILDREN_TO_KNOW)
    assert await _children(database) == {
        "CH1": ("Asthma: inhaler in the bag, two puffs", "Parent may try to leave with the child"),
        "CH2": (None, None),
        "CH3": ("Speaks Polish first", None),
    }
    await _import(database, service_config, children=CHILDREN)  # columns left out: kept
    assert (await _children(database))["CH1"][0] == "Asthma: inhaler in the bag, two puffs"


async def test_attendees_and_a_no_meet_arrangement_are_stored_with_local_times(
    database: Database, service_config: ServiceConfig
) -> None:
    await _import(database, service_config, children=CHILDREN, sessions=HEADER + NO_MEET + PLAIN)
    s1 = await _session(database, "S1")
    assert s1.attendees == "M.B.:PA-101;J.B.:PA-102"
    assert s1.is_no_meet
    # London is on GMT in November: local times are UTC.
    assert s1.parent_arrives_at == datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    assert s1.parent_leaves_at == datetime(2026, 11, 24, 11, 45, tzinfo=UTC)
    assert s1.carer_arrives_at == datetime(2026, 11, 24, 9, 45, tzinfo=UTC)
    assert s1.carer_leaves_at == datetime(2026, 11, 24, 11, 30, tzinfo=UTC)
    s2 = await _session(database, "S2")
    assert s2.attendees == "R.T.:PA-301"
    assert not s2.is_no_meet and s2.parent_arrives_at is None


@pytest.mark.parametrize(
    ("row", "error"),
    [
        (NO_MEET.replace("M.B.:PA-101", "Mary Brown:PA-101"), "attendees: initials must be"),
        (NO_MEET.replace("M.B.:PA-101", "M.B."), "attendees: each attendee is initials:reference"),
        (NO_MEET.replace("09:45,11:30\n", ",11:30\n"), "no_meet: give parent_arrives"),
        (PLAIN.replace(",,,,,\n", ",,09:30,,,\n"), "only with no_meet"),
    ],
)
async def test_a_bad_attendee_or_a_half_given_arrangement_is_named_and_nothing_written(
    database: Database, service_config: ServiceConfig, row: str, error: str
) -> None:
    with pytest.raises(ImportFailed) as failed:
        await _import(database, service_config, children=CHILDREN, sessions=HEADER + row)
    assert any(e.startswith("sessions.csv row 2") and error in e for e in failed.value.errors), (
        failed.value.errors
    )
    async with database.unit_of_work() as uow:
        assert await uow.scalar(select(Session.id)) is None
