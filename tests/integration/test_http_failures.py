"""A failed Bot API call is worded by its kind; aiohttp's text (with the URL) never shows."""

from __future__ import annotations

import socket

import aiohttp
import pytest
from aiohttp import web

from bot.http_failures import CallFailure, describe_failure
from bot.wiring import make_gateway
from handlers.delivery.chat import SendMessage

URL = "http://127.0.0.1:{port}/bot123456:TEST-fictional-token-abcdefghijklmnop/sendMessage"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_a_refused_connection_was_never_sent() -> None:
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.ClientConnectorError) as refused:
            await http.post(URL.format(port=closed_port()))
    assert describe_failure(refused.value) == CallFailure(
        "not sent: connection refused", may_have_arrived=False
    )


@pytest.mark.parametrize(
    ("error", "failure"),
    [
        (
            aiohttp.ConnectionTimeoutError(f"Connection timeout to host {URL.format(port=1)}"),
            CallFailure("not sent: connection timed out", may_have_arrived=False),
        ),
        (
            aiohttp.SocketTimeoutError("Timeout on reading data from socket"),
            CallFailure("timed out waiting for the answer", may_have_arrived=True),
        ),
        (TimeoutError(), CallFailure("timed out waiting for the answer", may_have_arrived=True)),
        (
            aiohttp.ServerDisconnectedError(),
            CallFailure("connection closed before the answer", may_have_arrived=True),
        ),
        (
            aiohttp.InvalidURL(URL.format(port=1)),
            CallFailure("connection failed (InvalidURL)", may_have_arrived=True),
        ),
    ],
)
def test_each_kind_is_named_without_the_url(error: BaseException, failure: CallFailure) -> None:
    assert describe_failure(error) == failure


@pytest.mark.parametrize("runtime", ["ptb", "aiogram"])
@pytest.mark.parametrize("status", [404, 502])
async def test_an_error_page_quoting_the_url_is_not_stored(runtime: str, status: int) -> None:
    """A proxy in front of the Bot API answers with a page that repeats the request's URL."""
    token = "123456:TEST-fictional-token-abcdefghijklmnop"
    me = {"id": 123456, "is_bot": True, "first_name": "Test", "username": "test_bot"}

    async def method(request: web.Request) -> web.Response:
        if request.match_info["method"] == "getMe":
            return web.json_response({"ok": True, "result": me})
        page = f"<html>No route to {request.url} for {request.match_info['token']}</html>"
        return web.Response(status=status, text=page, content_type="text/html")

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", method)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    gateway = make_gateway(runtime, token, f"http://127.0.0.1:{runner.addresses[0][1]}")
    try:
        await gateway.start()
        result = await gateway.deliver(42, SendMessage("Fictional words"))
    finally:
        await gateway.close()
        await runner.cleanup()
    assert not result.ok
    assert token.split(":")[1] not in (result.error or ""), result.error
    if status == 502:
        assert result.error == "HTTP 502"
