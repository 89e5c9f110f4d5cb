"""A sandbox started in the test's event loop on a free port, and reading its chats over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp

from bot.sandbox import Sandbox
from handlers.service.config import ServiceConfig

# Tuesday 24 November 2026, 10:00 in London: the office is open, a session is under way.
TUESDAY_MORNING = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Europe/London"))
CARER, WORKER, SENIOR, MANAGER, COORDINATOR, SOCIAL_WORKER = 5001, 5002, 5004, 5005, 5003, 5006


@asynccontextmanager
async def running_sandbox(
    config: ServiceConfig, folder: Path, *, runtime: str = "ptb", port: int = 0
) -> AsyncIterator[Sandbox]:
    """The whole sandbox, its clock starting on a Tuesday morning."""
    sandbox = Sandbox(config, runtime, folder / "sandbox.sqlite3", start_at=TUESDAY_MORNING)
    await sandbox.open(port)
    try:
        yield sandbox
    finally:
        await sandbox.close()


async def chat(http: aiohttp.ClientSession, root: str, user_id: int) -> list[dict[str, Any]]:
    """A persona's chat as the page reads it."""
    async with http.get(f"{root}/_sandbox/chats/{user_id}") as response:
        return list((await response.json())["messages"])


async def wait_for(
    http: aiohttp.ClientSession,
    root: str,
    user_id: int,
    found: Callable[[dict[str, Any]], bool],
    timeout: float = 20.0,
) -> dict[str, Any]:
    """The first message in the chat that `found` accepts, once the bot has sent it."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        for message in await chat(http, root, user_id):
            if found(message):
                return message
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"chat {user_id} never showed the message expected")
        await asyncio.sleep(0.05)
