"""The sandbox can be stopped and started again on its database, and still answers."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from pathlib import Path

import aiohttp

from bot.sandbox import run_sandbox
from handlers.service.config import ServiceConfig

CARER = 5001  # the demo carer


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _read(http: aiohttp.ClientSession, base: str) -> list[str] | None:
    """What the carer's chat shows; None while the emulator is still starting."""
    try:
        async with http.get(f"{base}/chats/{CARER}/messages") as response:
            return [m["text"] for m in (await response.json())["messages"]]
    except aiohttp.ClientConnectionError:
        return None


async def _ask_for_help(port: int, *, is_linking: bool) -> list[str]:
    """Send /help as the demo carer and wait for the bot's answer (or give up after a minute)."""
    base = f"http://127.0.0.1:{port}/_emulator"
    texts: list[str] = []
    async with aiohttp.ClientSession() as http:
        for _ in range(600):  # a first start links its demo people once it is up
            shown = await _read(http, base)
            if shown is not None and (not is_linking or any("you're linked" in t for t in shown)):
                break
            await asyncio.sleep(0.1)
        async with http.post(f"{base}/users/{CARER}/messages", json={"text": "/help"}):
            pass
        for _ in range(600):
            texts = await _read(http, base) or []
            if texts and texts[-1].startswith("Here's what you can do"):
                break
            await asyncio.sleep(0.1)
    return texts


async def _one_run(config: ServiceConfig, url: str, *, is_linking: bool) -> list[str]:
    stop = asyncio.Event()
    port = _free_port()
    running = asyncio.create_task(run_sandbox(stop, config, "ptb", port, url))
    try:
        return await _ask_for_help(port, is_linking=is_linking)
    finally:
        stop.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(running, 30)


async def test_a_restarted_sandbox_answers_on_its_old_database(
    service_config: ServiceConfig, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'sandbox.sqlite3'}"
    first = await _one_run(service_config, url, is_linking=True)
    assert first[-1].startswith("Here's what you can do")
    # A second start numbers its updates after the first run's, so none is taken for a repeat.
    second = await _one_run(service_config, url, is_linking=False)
    assert second and second[-1].startswith("Here's what you can do")
