"""SQLite: a unit of work waiting for another process's write lock lets the bot go on meanwhile."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.database import Database


async def test_waiting_for_another_process_lock_does_not_freeze_the_event_loop(
    tmp_path: Path,
) -> None:
    path = tmp_path / "locked.sqlite3"
    db = Database(f"sqlite+aiosqlite:///{path}")
    async with db.unit_of_work() as uow:
        await uow.execute(text("CREATE TABLE notes (body TEXT)"))
    other = sqlite3.connect(path, isolation_level=None)  # the CLI, mid-import
    other.execute("BEGIN IMMEDIATE")
    other_done = asyncio.Event()
    beats = 0

    async def other_coroutines() -> None:
        nonlocal beats
        while not other_done.is_set():
            beats += 1
            await asyncio.sleep(0.005)

    async def writer() -> None:
        async with db.unit_of_work() as uow:
            await uow.execute(text("INSERT INTO notes VALUES ('after the CLI')"))

    heart = asyncio.create_task(other_coroutines())
    waiting = asyncio.create_task(writer())
    while beats < 10:  # the loop runs while the writer waits for the lock
        await asyncio.sleep(0.005)
    assert not waiting.done()
    other.execute("INSERT INTO notes VALUES ('the CLI')")
    other.execute("COMMIT")
    await asyncio.wait_for(waiting, 10)
    other_done.set()
    await heart
    async with db.unit_of_work() as uow:
        rows = list(await uow.scalars(text("SELECT body FROM notes ORDER BY rowid")))
    assert rows == ["the CLI", "after the CLI"]
    other.close()
    await db.dispose()


async def test_a_unit_of_work_opened_inside_another_fails_at_once(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'nested.sqlite3'}")
    async with db.unit_of_work():
        with pytest.raises(RuntimeError, match="already open"):
            async with db.unit_of_work():
                pass
    await db.dispose()
