"""What the emulator's tests share: a client playing the bot, and a long poll that waits."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.emulator import BotApiEmulator

TOKEN = "123456:EMULATOR-TEST-TOKEN"
USERNAME = "emulated_bot"
USER = 4242
KEYBOARD = {"inline_keyboard": [[{"text": "Yes", "callback_data": "f:n:yes"}]]}
BOUND = 4.0  # generous upper bound for anything that should return "promptly"


@dataclass
class Emulated:
    """A running emulator, its Bot API root URL and an HTTP client playing the bot."""

    api: BotApiEmulator
    root: str
    http: aiohttp.ClientSession

    async def call(self, method: str, *, token: str = TOKEN, **kwargs: Any) -> tuple[int, Any]:
        """POST one Bot API method; the HTTP status and the decoded JSON reply."""
        async with self.http.post(f"{self.root}/bot{token}/{method}", **kwargs) as response:
            return response.status, await response.json()

    async def control(self, verb: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        """One request to the control API under /_emulator/."""
        url = f"{self.root}/_emulator/{path}"
        async with self.http.request(verb, url, **kwargs) as response:
            return response.status, await response.json()

    async def send(self, text: str = "Sure?", **extra: Any) -> int:
        """The bot sends USER a message (with the Yes button unless told otherwise)."""
        body = {"chat_id": USER, "text": text, "reply_markup": KEYBOARD, **extra}
        status, reply = await self.call("sendMessage", json=body)
        assert status == 200, reply
        return int(reply["result"]["message_id"])

    async def updates(self, **params: Any) -> list[dict[str, Any]]:
        """The bot's getUpdates (no waiting unless a timeout is given)."""
        status, reply = await self.call("getUpdates", json={"timeout": 0, **params})
        assert status == 200, reply
        result: list[dict[str, Any]] = reply["result"]
        return result


def count_polls(api: BotApiEmulator) -> int:
    """How many getUpdates calls the emulator has had."""
    return sum(name == "getUpdates" for name, _ in api.calls)


async def start_long_poll(emulated: Emulated, **params: Any) -> asyncio.Task[list[dict[str, Any]]]:
    """The bot's getUpdates as a task, once it has reached the emulator and is waiting."""
    before = count_polls(emulated.api)
    poll = asyncio.create_task(emulated.updates(**params))

    async def arrived() -> None:
        while count_polls(emulated.api) == before:
            await asyncio.sleep(0.01)

    await asyncio.wait_for(arrived(), BOUND)
    assert not poll.done()
    return poll


