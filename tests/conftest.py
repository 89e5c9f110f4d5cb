"""Shared fixtures: a fresh database on SQLite, and on PostgreSQL when CI provides one."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
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


@pytest.fixture(params=["sqlite", "postgres"])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """An empty, migrated database of each kind; PostgreSQL gets its own throwaway database."""
    dropping: tuple[str, str] | None = None
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'familytime.sqlite3'}"
    else:
        base = _postgres_base()
        if base is None:
            pytest.skip(f"PostgreSQL not configured: set {POSTGRES_ENV} (.ci/run does)")
        name = f"ft_test_{uuid.uuid4().hex[:12]}"
        await _admin(base, f'CREATE DATABASE "{name}"')
        # A throwaway database need not wait for its commits to reach the disk: the same
        # visibility and locking, without a flush per commit (the server does not crash here).
        await _admin(base, f'ALTER DATABASE "{name}" SET synchronous_commit = off')
        url = make_url(base).set(database=name).render_as_string(hide_password=False)
        dropping = (base, name)
    db = Database(url)
    if db.is_sqlite:
        _skip_flushing_to_disk(db)
    await upgrade_database(db)
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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put the longest scenarios at the front of the queue the workers take from."""

    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: everything else keeps its order
