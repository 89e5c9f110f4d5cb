"""Shared fixtures: a fresh database on SQLite, and on PostgreSQL when CI provides one."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
import zlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from sqlalchemy import event
from sqlalchemy.engine import make_url

from handlers.service.config import ServiceConfig, load_service_config
from storage.database import Database
from storage.migrate import upgrade_database

EXAMPLE_CONFIG = Path(__file__).resolve().parent.parent / "bot" / "service.example.toml"
POSTGRES_ENV = "FAMILYTIME_TEST_POSTGRES_URL"

# No deadline on examples: a busy machine makes one slow, and a test never fails for being slow.
settings.register_profile("familytime", deadline=None)
settings.load_profile("familytime")


@pytest.fixture(scope="session")
def service_config() -> ServiceConfig:
    return load_service_config(EXAMPLE_CONFIG)


def _postgres_base() -> str | None:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        return None
    return url.replace("postgresql://", "postgresql+asyncpg://", 1).replace(
        "postgres://", "postgresql+asyncpg://", 1
    )


async def _admin(base: str, sql: str) -> None:
    async def run(conn: Any) -> None:
        await conn.execute(sql)

    await _with_connection(base, run)


class _MigratedTemplates:
    """One migrated database of each kind per test process, which each test's database is
    copied from: a file copy on SQLite, `CREATE DATABASE … TEMPLATE` on PostgreSQL. Running the
    migrations once rather than once a test is most of what setting up a database costs.

    A PostgreSQL copy costs about a second to make and drop, so a test's copy is emptied after
    it and kept for the next test of the process instead (a few milliseconds): every table's
    rows deleted, the rows the migrations put in written back, and every sequence restarted. A
    copy whose schema a test changed (its tables, triggers or migration stamp no longer those of
    the template) is dropped, never reused."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._sqlite: Path | None = None
        self._postgres: tuple[str, str] | None = None
        self._spare: list[str] = []
        self._copies: list[str] = []
        self._schema: tuple[Any, ...] | None = None
        self._seeded: dict[str, list[Any]] = {}

    async def sqlite_file(self) -> Path:
        if self._sqlite is None:
            path = self._folder / "template.sqlite3"
            await _migrate(f"sqlite+aiosqlite:///{path}")
            self._sqlite = path
        return self._sqlite

    async def postgres_name(self, base: str) -> str:
        if self._postgres is None:
            name = f"ft_template_{uuid.uuid4().hex[:12]}"
            await _admin(base, f'CREATE DATABASE "{name}"')
            await _migrate(make_url(base).set(database=name).render_as_string(False))
            self._postgres = (base, name)
        return self._postgres[1]

    async def postgres_copy(self, base: str) -> str:
        """An empty migrated database for one test: a spare one emptied, or a new copy."""
        if self._spare:
            return self._spare.pop()
        template = await self.postgres_name(base)
        name = f"ft_test_{uuid.uuid4().hex[:12]}"
        await _admin(base, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        # A throwaway database need not wait for its commits to reach the disk: the same
        # visibility and locking, without a flush per commit (the server does not crash here).
        await _admin(base, f'ALTER DATABASE "{name}" SET synchronous_commit = off')
        self._copies.append(name)
        if self._schema is None:
            self._schema = await _with_connection(_url_of(base, name), _schema_of)
            self._seeded = await _with_connection(_url_of(base, name), _rows_in_tables)
        return name

    async def give_back(self, base: str, name: str) -> None:
        """Empty a test's copy for the next test, or drop it if its schema was changed."""
        async def empty(conn: Any) -> tuple[Any, ...]:
            return await _emptied_schema(conn, self._seeded)

        if await _with_connection(_url_of(base, name), empty) == self._schema:
            self._spare.append(name)
            return
        await _admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._copies.remove(name)

    def drop(self) -> None:
        if self._postgres is not None:
            base, template = self._postgres
            for name in [*self._copies, template]:
                asyncio.run(_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _url_of(base: str, name: str) -> str:
    return make_url(base).set(database=name).render_as_string(hide_password=False)


async def _with_connection(url: str, work: Any) -> Any:
    import asyncpg

    parsed = make_url(url)
    conn = await asyncpg.connect(
        host=parsed.host,
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        database=parsed.database,
    )
    try:
        return await work(conn)
    finally:
        await conn.close()


async def _schema_of(conn: Any) -> tuple[Any, ...]:
    """What a test could change that emptying would not undo: tables, triggers, the stamp."""
    import asyncpg

    try:
        row = await conn.fetchrow(
            """SELECT
                 (SELECT string_agg(tablename, ',' ORDER BY tablename)
                    FROM pg_tables WHERE schemaname = 'public'),
                 (SELECT string_agg(c.relname || '.' || t.tgname || '.' || t.tgenabled::text, ','
                                    ORDER BY c.relname, t.tgname)
                    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                    JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = 'public' AND NOT t.tgisinternal),
                 (SELECT string_agg(version_num, ',') FROM alembic_version)"""
        )
    except asyncpg.UndefinedTableError:  # no alembic_version any more: not the template's
        return (uuid.uuid4().hex,)  # equal to no other schema
    return tuple(row)


async def _rows_in_tables(conn: Any) -> dict[str, list[Any]]:
    """The rows a fresh copy holds (those the migrations put in), by table."""
    seeded: dict[str, list[Any]] = {}
    for (table,) in await conn.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        " AND tablename <> 'alembic_version'"
    ):
        rows = await conn.fetch(f'SELECT * FROM "{table}"')
        if rows:
            seeded[table] = rows
    return seeded


async def _emptied_schema(conn: Any, seeded: dict[str, list[Any]]) -> tuple[Any, ...]:
    """Close the test's left-over connections, delete every row, write back the migrations'
    rows and restart every sequence (the append-only triggers and foreign keys stand aside for
    it), then say the schema."""
    await conn.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    schema = await _schema_of(conn)
    if len(schema) == 1:
        return schema
    tables = await conn.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        " AND tablename <> 'alembic_version'"
    )
    sequences = await conn.fetch(
        "SELECT sequencename, start_value FROM pg_sequences WHERE schemaname = 'public'"
    )
    statements = ["SET LOCAL session_replication_role = replica"]
    statements += [f'DELETE FROM "{row[0]}"' for row in tables]
    statements += [f"SELECT setval('\"{row[0]}\"', {row[1]}, false)" for row in sequences]
    async with conn.transaction():
        await conn.execute(";".join(statements))
        for table, rows in seeded.items():
            await conn.execute("SET LOCAL session_replication_role = replica")
            await conn.copy_records_to_table(
                table, records=[tuple(row) for row in rows], columns=list(rows[0].keys())
            )
    return schema


async def _migrate(url: str) -> None:
    db = Database(url)
    try:
        await upgrade_database(db)
    finally:
        await db.dispose()  # a template must have no connection left when it is copied


@pytest.fixture(scope="session")
def migrated_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_MigratedTemplates]:
    templates = _MigratedTemplates(tmp_path_factory.mktemp("templates"))
    try:
        yield templates
    finally:
        templates.drop()


@pytest.fixture(params=["sqlite", "postgres"])
async def database(
    request: pytest.FixtureRequest, tmp_path: Path, migrated_templates: _MigratedTemplates
) -> AsyncIterator[Database]:
    """An empty, migrated database of each kind, the test's alone while it runs."""
    giving_back: tuple[str, str] | None = None
    if request.param == "sqlite":
        path = tmp_path / "familytime.sqlite3"
        shutil.copyfile(await migrated_templates.sqlite_file(), path)
        url = f"sqlite+aiosqlite:///{path}"
    else:
        base = _postgres_base()
        if base is None:
            pytest.skip(f"PostgreSQL not configured: set {POSTGRES_ENV} (.ci/run does)")
        name = await migrated_templates.postgres_copy(base)
        url = _url_of(base, name)
        giving_back = (base, name)
    db = Database(url)
    if db.is_sqlite:
        _skip_flushing_to_disk(db)
    try:
        yield db
    finally:
        await db.dispose()
        if giving_back is not None:
            await migrated_templates.give_back(*giving_back)


def _skip_flushing_to_disk(db: Database) -> None:
    """A throwaway SQLite file need not be flushed at each commit (a killed process loses
    nothing with WAL either way; only a machine's crash would)."""

    @event.listens_for(db.engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.close()


# The scenarios that run the real process, two instances or a flood take the longest: workers
# start them first, so the run does not end waiting on one of them while the others sit idle.
LONGEST_FIRST = (
    "test_outbox_sigkill.py",
    "test_alert_sigkill.py",
    "test_sandbox_browser.py",
    "test_make_run_fresh_clone.py",
    "test_secrets.py",
    "test_webhook_instances.py",
    "test_alert_instances.py",
    "test_fairness.py",
)


FULL_MATRIX_ENV = "FAMILYTIME_TEST_FULL_MATRIX"
# A scenario on both runtimes and both databases runs once per runtime, the databases crossed:
# the runtime only speaks to Telegram and the database only stores, so each pairing still runs
# every line of both, and a scenario's name decides which crossing it gets, so all four pairs
# run across the suite. Without PostgreSQL both runtimes run on SQLite. FAMILYTIME_TEST_FULL_
# MATRIX=1 runs every pairing of every scenario.
PAIRINGS = (
    {("sqlite", "ptb"), ("postgres", "aiogram")},
    {("sqlite", "aiogram"), ("postgres", "ptb")},
)


def _pairing_kept(item: pytest.Item) -> bool:
    params = getattr(getattr(item, "callspec", None), "params", {})
    if "database" not in params or "runtime" not in params:
        return True
    if os.environ.get(FULL_MATRIX_ENV) == "1" or _postgres_base() is None:
        return True
    name = getattr(item, "originalname", item.name)
    crossing = PAIRINGS[zlib.crc32(f"{item.path.name}::{name}".encode()) % 2]
    return (params["database"], params["runtime"]) in crossing


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep one crossing of runtimes and databases per scenario; put the longest first."""
    dropped = [item for item in items if not _pairing_kept(item)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if _pairing_kept(item)]

    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: everything else keeps its order
