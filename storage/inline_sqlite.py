"""SQLite for the async engine without a thread hop per call.

aiosqlite runs each call on a worker thread and hands the answer back to the event loop: four
hops per statement (open a cursor, execute, fetch, close), about a millisecond on a small virtual
machine, which capped the bot at a few dozen updates a second. An SQLite statement on a local
file takes microseconds, so this runs it in the event loop's thread instead, behind the same
awaitable interface SQLAlchemy's aiosqlite dialect drives (given to it through the documented
`async_creator` hook). Writers in this process already queue on the database's asyncio lock, so
a statement never waits for another one here. Another process (the CLI) holding the write lock
is waited for at BEGIN with asyncio sleeps, so the bot's other coroutines go on meanwhile.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

LOCK_WAIT_SECONDS = 30.0  # as long as SQLite's busy timeout elsewhere in the project


class InlineCursor:
    """An aiosqlite-style cursor whose awaitables finish at once."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *_: object) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> InlineCursor:
        if sql.startswith("BEGIN IMMEDIATE"):
            await self._begin_without_blocking(sql)
        elif parameters is None:
            self._cursor.execute(sql)
        else:
            self._cursor.execute(sql, parameters)
        return self

    async def _begin_without_blocking(self, sql: str) -> None:
        """Take the write lock; while another process holds it, wait without freezing the loop.

        Every transaction takes the lock at BEGIN, so this is where one process waits for
        another (the CLI importing records, say); SQLite's own busy wait would stop every
        coroutine of the bot meanwhile.
        """
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        pause = 0.001
        self._cursor.execute("PRAGMA busy_timeout = 0")
        try:
            while True:
                try:
                    self._cursor.execute(sql)
                    return
                except sqlite3.OperationalError as error:
                    if "locked" not in str(error) or time.monotonic() > deadline:
                        raise
                await asyncio.sleep(pause)
                pause = min(pause * 2, 0.05)
        finally:
            self._cursor.execute(f"PRAGMA busy_timeout = {int(LOCK_WAIT_SECONDS * 1000)}")

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> InlineCursor:
        self._cursor.executemany(sql, rows)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class _RunNow:
    """Stands in for aiosqlite's request queue: SQLAlchemy puts (future, function) pairs here."""

    def __init__(self, connection: InlineConnection) -> None:
        self._connection = connection

    def put_nowait(self, item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as error:
            future.set_exception(error)


class InlineConnection:
    """An aiosqlite-style connection over a plain `sqlite3` connection."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn = connection
        self._connection: sqlite3.Connection | None = connection
        self._tx = _RunNow(self)

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    def cursor(self) -> InlineCursor:
        return InlineCursor(self._conn.cursor())

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> InlineCursor:
        return await self.cursor().execute(sql, parameters)

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    async def commit(self) -> None:
        self._conn.commit()

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def inline_connector(path: str, timeout: float) -> Callable[[], Awaitable[InlineConnection]]:
    """The `async_creator` for SQLite files: each call opens one inline connection."""

    async def connect() -> InlineConnection:
        return InlineConnection(sqlite3.connect(path, timeout=timeout))

    return connect
