"""Everything a database holds, as one text to search: what a thief with a dump would read."""

from __future__ import annotations

from sqlalchemy import Table, select

from storage.database import Database
from storage.models import Base


async def table_text(db: Database, table: Table) -> str:
    """Every value of every row of one table, as text."""
    async with db.unit_of_work() as uow:
        rows = (await uow.execute(select(table))).all()
    return "\n".join(repr(tuple(row)) for row in rows)


async def database_text(db: Database) -> str:
    """Every value of every row of every table, as text."""
    return "\n".join([await table_text(db, table) for table in Base.metadata.sorted_tables])
