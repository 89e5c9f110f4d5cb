"""python-telegram-bot's calls over aiohttp: what failed before reaching Telegram is told apart
from what may have reached it, since only the second can arrive twice when retried."""

from __future__ import annotations

import asyncio

from aiohttp import web

from bot.runtime_ptb import PtbGateway
from handlers.delivery.chat import SendMessage

TOKEN = "123456:TEST-request"
ME = {"id": 1, "is_bot": True, "first_name": "Test", "username": "test_bot"}
SENT = {"message_id": 7, "date": 0, "chat": {"id": 42, "type": "private"}, "text": "hi"}


async def _serve(release: asyncio.Event | None = None) -> web.AppRunner:
    """A Bot API that answers getMe at once and sendMessage once `release` is set."""

    async def method(request: web.Request) -> web.Response:
        if request.match_info["method"] == "getMe":
            return web.json_response({"ok": True, "result": ME})
        if release is not None:
            await release.wait()
        return web.json_response({"ok": True, "result": SENT})

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", method)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner


async def test_a_send_with_no_answer_in_time_may_have_arrived() -> None:
    release = asyncio.Event()
    runner = await _serve(release)
    gateway = PtbGateway(TOKEN, f"http://127.0.0.1:{runner.addresses[0][1]}", send_timeout=0.3)
    try:
        assert await gateway.start() == "test_bot"
        result = await gateway.deliver(42, SendMessage("hi"))
        release.set()
        assert (await gateway.deliver(42, SendMessage("hi"))).message_id == 7
    finally:
        await gateway.close()
        await runner.cleanup()
    assert not result.ok and result.may_have_arrived, result


async def test_a_send_that_could_not_connect_never_left() -> None:
    runner = await _serve()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    gateway = PtbGateway(TOKEN, url)
    try:
        await gateway.start()
        await runner.cleanup()  # Telegram is gone: nothing listens there any more
        # The first finds its kept-alive connection closed (counted as a possible duplicate, the
        # safe side); the next cannot connect at all.
        first, second = [await gateway.deliver(42, SendMessage("hi")) for _ in range(2)]
    finally:
        await gateway.close()
    assert not first.ok, first
    assert not second.ok and not second.may_have_arrived and second.retry_after is None, second
    assert "not sent" in (second.error or ""), second
