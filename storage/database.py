"""The engine, and a unit of work around each use case."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage.inline_sqlite import inline_connector


class Database:
    """One database: builds the engine once and hands out units of work."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        # Error messages and echoed SQL would otherwise quote the values (personal data).
        kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}
        if self.is_sqlite:
            # One writer at a time (BEGIN IMMEDIATE); pooled connections save a thread and a
            # connection set-up per unit of work, which is most of a small transaction's cost.
            database = make_url(url).database
            if database and database != ":memory:":
                kwargs["async_creator"] = inline_connector(database, timeout=30)
            else:
                kwargs["connect_args"] = {"timeout": 30}
        else:
            kwargs["pool_pre_ping"] = True
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            _make_sqlite_transactions_immediate(self.engine)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._lock = asyncio.Lock()
        self._lock_loop: asyncio.AbstractEventLoop | None = None
        self._lock_owner: asyncio.Task[object] | None = None

    @property
    def is_postgres(self) -> bool:
        """Whether row locks with SKIP LOCKED are available."""
        return self.engine.dialect.name == "postgresql"

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[AsyncSession]:
        """One transaction: commits when the block ends, rolls back if it raises."""
        if not self.is_sqlite:
            async with self._sessions() as uow, uow.begin():
                yield uow
            return
        # SQLite lets one writer in at a time and makes the others poll with growing sleeps (up
        # to 100 ms each), which left the bot mostly idle under load. Queuing this process's
        # units of work on an asyncio lock hands the database over at once, in order; other
        # processes (the CLI) still wait through the busy timeout.
        task = asyncio.current_task()
        if task is not None and task is self._lock_owner:
            raise RuntimeError("a unit of work is already open in this task; nesting one deadlocks")
        async with self._writer_lock():
            self._lock_owner = task
            try:
                async with self._sessions() as uow, uow.begin():
                    yield uow
            finally:
                self._lock_owner = None

    def _writer_lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if self._lock_loop is not loop:
            self._lock, self._lock_loop = asyncio.Lock(), loop
        return self._lock

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()


def _make_sqlite_transactions_immediate(engine: AsyncEngine) -> None:
    """Take SQLite's write lock at BEGIN so concurrent writers wait instead of deadlocking."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
