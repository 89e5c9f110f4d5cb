"""Health and metrics listen apart from Telegram's traffic in long-polling mode too."""

from __future__ import annotations

import aiohttp

from tests.e2e.harness import Harness


async def test_health_and_metrics_answer_while_long_polling(harness: Harness) -> None:
    h = harness
    await h.stop_bot()
    await h.start_bot(health_listen=("127.0.0.1", 0))
    assert h.app is not None and h.app.health_port is not None
    root = f"http://127.0.0.1:{h.app.health_port}"
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{root}/healthz") as r:
            assert r.status == 200 and (await r.json())["ok"] is True
        async with http.get(f"{root}/metrics") as r:
            assert r.status == 200 and "familytime_outbox_depth" in await r.text()
    h.assert_no_unexpected_messages()
