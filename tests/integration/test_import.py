"""CSV imports are all or nothing, name the rows that are wrong, and can be run again."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from handlers.people.importing import ImportFailed, import_records
from handlers.service.config import ServiceConfig
from storage.database import Database
from storage.models import Child, Person, Session
from tests.e2e.fixtures import CHILDREN, MONDAY_MORNING, PEOPLE, SESSIONS


async def _counts(db: Database) -> tuple[int, int, int]:
    async with db.unit_of_work() as uow:
        counts = [
            int(await uow.scalar(select(func.count()).select_from(table)) or 0)
            for table in (Person, Child, Session)
        ]
    return counts[0], counts[1], counts[2]


async def test_a_clean_import_adds_everything_and_a_second_run_updates_in_place(
    database: Database, service_config: ServiceConfig
) -> None:
    for _ in range(2):
        async with database.unit_of_work() as uow:
            done = await import_records(
                uow,
                service_config,
                now=MONDAY_MORNING,
                people=PEOPLE,
                children=CHILDREN,
                sessions=SESSIONS,
            )
        assert (done.people, done.children, done.sessions) == (6, 3, 2)
    assert await _counts(database) == (6, 3, 2)


async def test_bad_rows_are_named_and_nothing_is_imported(
    database: Database, service_config: ServiceConfig
) -> None:
    people = PEOPLE + "X1,Xavier,Bad,wizard,,\nX2,Xena,Bad,worker,atlantis,\n"
    sessions = SESSIONS + "S9,coffee-hall,Room 1,2026-11-24,12:00,11:00,W1,CH1,full\n"
    with pytest.raises(ImportFailed) as failed:
        async with database.unit_of_work() as uow:
            await import_records(
                uow,
                service_config,
                now=MONDAY_MORNING,
                people=people,
                children=CHILDREN,
                sessions=sessions,
            )
    errors = "\n".join(failed.value.errors)
    assert "people.csv row 8: role" in errors
    assert "people.csv row 9: venue" in errors
    assert "sessions.csv row 4" in errors
    assert await _counts(database) == (0, 0, 0)


async def test_a_file_missing_a_column_is_refused_whole(
    database: Database, service_config: ServiceConfig
) -> None:
    with pytest.raises(ImportFailed) as failed:
        async with database.unit_of_work() as uow:
            await import_records(
                uow, service_config, now=MONDAY_MORNING, people="ref,first_name\nC1,Casey\n"
            )
    assert "missing column" in failed.value.errors[0]
    assert await _counts(database) == (0, 0, 0)


async def test_values_the_database_would_refuse_are_row_numbered_errors(
    database: Database, service_config: ServiceConfig
) -> None:
    long_name = "Verylongname" * 7  # 84 characters; the column holds 80
    people = (
        PEOPLE
        + f"X1,{long_name},Bad,carer,,\n"
        + "X2,Nul,Bad\x00name,carer,,\n"
        + "C1,Casey,Again,carer,,\n"
        + ",Noref,Bad,carer,,\n"
    )
    children = CHILDREN + "CH9,Alice,SW1,C1\nCH1,A.B.,SW1,C1\n"
    sessions = SESSIONS + "S1,coffee-hall,Room 9,2026-11-26,10:00,11:00,W1,CH1,full\n"
    with pytest.raises(ImportFailed) as failed:
        async with database.unit_of_work() as uow:
            await import_records(
                uow,
                service_config,
                now=MONDAY_MORNING,
                people=people,
                children=children,
                sessions=sessions,
            )
    errors = failed.value.errors
    text = "\n".join(errors)
    assert any(e.startswith("people.csv row 8: first_name") and "80" in e for e in errors), text
    assert "people.csv row 9: last_name: contains a control character" in text
    assert "people.csv row 10: ref: C1 is also on row 2" in text
    assert "people.csv row 11: ref" in text
    assert "children.csv row 5: initials: initials must be 1 to 4 capital letters" in text
    assert "children.csv row 6: ref: CH1 is also on row 2" in text
    assert "sessions.csv row 4: ref: S1 is also on row 2" in text
    assert long_name not in text and "\x00" not in text  # the values are never echoed
    assert await _counts(database) == (0, 0, 0)


@pytest.mark.parametrize("initials", ["A.B.", "AB", "J-P.M.", "O'B."])
async def test_initials_in_the_usual_forms_are_accepted(
    database: Database, service_config: ServiceConfig, initials: str
) -> None:
    async with database.unit_of_work() as uow:
        done = await import_records(
            uow,
            service_config,
            now=MONDAY_MORNING,
            people=PEOPLE,
            children=f"ref,initials,social_worker_ref,carer_refs\nCH1,{initials},SW1,C1\n",
        )
    assert done.children == 1
