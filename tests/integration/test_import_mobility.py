"""The children's `not_independently_mobile` column: yes flags a child, blank or no clears it,
a file without the column leaves each child as it was, anything else is named and refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from handlers.people.importing import ImportFailed, import_records
from handlers.service.config import ServiceConfig
from storage.database import Database
from storage.models import Child
from tests.e2e.fixtures import CHILDREN, MONDAY_MORNING, PEOPLE

WITH_COLUMN = """ref,initials,social_worker_ref,carer_refs,not_independently_mobile
CH1,A.B.,SW1,C1,yes
CH2,D.E.,SW1,C1,
CH3,F.G.,SW1,C2,no
"""


async def _import(database: Database, config: ServiceConfig, children: str) -> None:
    async with database.unit_of_work() as uow:
        await import_records(uow, config, now=MONDAY_MORNING, people=PEOPLE, children=children)


async def _mobile(database: Database) -> dict[str, bool]:
    async with database.unit_of_work() as uow:
        children = await uow.scalars(select(Child).order_by(Child.ref))
        return {c.ref: c.is_independently_mobile for c in children}


async def test_the_column_sets_the_flag_and_a_file_without_it_keeps_it(
    database: Database, service_config: ServiceConfig
) -> None:
    await _import(database, service_config, CHILDREN)  # no column: every new child is mobile
    assert await _mobile(database) == {"CH1": True, "CH2": True, "CH3": True}
    await _import(database, service_config, WITH_COLUMN)
    assert await _mobile(database) == {"CH1": False, "CH2": True, "CH3": True}
    await _import(database, service_config, CHILDREN)  # the column left out: kept as it was
    assert await _mobile(database) == {"CH1": False, "CH2": True, "CH3": True}


async def test_a_value_that_is_not_yes_or_no_is_named_and_nothing_is_written(
    database: Database, service_config: ServiceConfig
) -> None:
    with pytest.raises(ImportFailed) as failed:
        await _import(database, service_config, WITH_COLUMN.replace("C2,no", "C2,maybe"))
    assert any(
        e.startswith("children.csv row 4: not_independently_mobile") for e in failed.value.errors
    )
    assert await _mobile(database) == {}
