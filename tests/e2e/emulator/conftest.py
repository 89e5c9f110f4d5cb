"""The emulator for each test, and the emulator once the user has written to the bot."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.emulator import BotApiEmulator
from tests.e2e.emulator.support import TOKEN, USER, USERNAME, Emulated


@pytest.fixture
async def emulated() -> AsyncIterator[Emulated]:
    api = BotApiEmulator(token=TOKEN, bot_username=USERNAME)
    root = await api.start(host="127.0.0.1", port=0)
    try:
        async with aiohttp.ClientSession() as http:
            yield Emulated(api, root, http)
    finally:
        await api.stop()


@pytest.fixture
async def chatting(emulated: Emulated) -> Emulated:
    """The emulator once USER has written to the bot, so the bot may message them."""
    emulated.api.user_sends_text(USER, "hello")
    return emulated
