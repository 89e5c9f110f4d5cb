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
    import asyncpg

    url = make_url(base)
    conn = await asyncpg.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        database=url.database,
    )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


class _MigratedTemplates:
    """One migrated database of each kind per test process, which each test's database is
    copied from: a file copy on SQLite, `CREATE DATABASE … TEMPLATE` on PostgreSQL. Running the
    migrations once rather than once a test is most of what setting up a database costs."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._sqlite: Path | None = None
        self._postgres: tuple[str, str] | None = None

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

    def drop(self) -> None:
        if self._postgres is not None:
            base, name = self._postgres
            asyncio.run(_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


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
    """An empty, migrated database of each kind; PostgreSQL gets its own throwaway database."""
    dropping: tuple[str, str] | None = None
    if request.param == "sqlite":
        path = tmp_path / "familytime.sqlite3"
        shutil.copyfile(await migrated_templates.sqlite_file(), path)
        url = f"sqlite+aiosqlite:///{path}"
    else:
        base = _postgres_base()
        if base is None:
            pytest.skip(f"PostgreSQL not configured: set {POSTGRES_ENV} (.ci/run does)")
        template = await migrated_templates.postgres_name(base)
        name = f"ft_test_{uuid.uuid4().hex[:12]}"
        await _admin(base, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        # A throwaway database need not wait for its commits to reach the disk: the same
        # visibility and locking, without a flush per commit (the server does not crash here).
        await _admin(base, f'ALTER DATABASE "{name}" SET synchronous_commit = off')
        url = make_url(base).set(database=name).render_as_string(hide_password=False)
        dropping = (base, name)
    db = Database(url)
    if db.is_sqlite:
        _skip_flushing_to_disk(db)
    try:
        yield db
    finally:
        await db.dispose()
        if dropping is not None:
            await _admin(dropping[0], f'DROP DATABASE IF EXISTS "{dropping[1]}" WITH (FORCE)')


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
