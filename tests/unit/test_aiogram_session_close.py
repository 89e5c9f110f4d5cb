"""aiogram's session waits 250 ms after closing, for TLS connections to shut down: only over
HTTPS, where there are some; a plain-HTTP local Bot API server closes at once."""

from __future__ import annotations

import asyncio

import pytest
from aiogram.client.telegram import TelegramAPIServer

from bot.aiogram_session import RedactingAiohttpSession


@pytest.mark.parametrize(
    ("base", "waits"), [("http://127.0.0.1:8081", False), ("https://api.telegram.org", True)]
)
async def test_closing_waits_for_tls_only_over_https(
    base: str, waits: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    waited: list[float] = []
    real_sleep = asyncio.sleep

    async def recorded_sleep(seconds: float) -> None:
        waited.append(seconds)
        await real_sleep(0)

    monkeypatch.setattr("aiogram.client.session.aiohttp.asyncio.sleep", recorded_sleep)
    session = RedactingAiohttpSession(api=TelegramAPIServer.from_base(base))
    await session.create_session()
    await session.close()
    assert (waited == [0.25]) is waits
