"""The local Bot API emulator answers like Telegram: who the bot is, bodies, errors, long polls."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest

from bot.emulator import BotApiEmulator
from tests.e2e.emulator.support import (
    BOUND,
    KEYBOARD,
    TOKEN,
    USER,
    USERNAME,
    Emulated,
    start_long_poll,
)

# -- 1. who the bot is, and calls that never reach a method ----------------------------------


async def test_get_me_answers_with_the_bots_username(emulated: Emulated) -> None:
    status, body = await emulated.call("getMe")
    assert status == 200 and body["ok"] is True
    assert body["result"]["username"] == USERNAME and body["result"]["is_bot"] is True
    assert body["result"]["id"] == 123456


async def test_a_wrong_token_is_unauthorized(emulated: Emulated) -> None:
    status, body = await emulated.call("getMe", token="123456:WRONG")
    assert status == 401
    assert body == {"ok": False, "error_code": 401, "description": "Unauthorized"}


async def test_an_unknown_method_is_not_found(emulated: Emulated) -> None:
    status, body = await emulated.call("sendCarrierPigeon", json={"chat_id": USER})
    assert status == 404
    assert body == {"ok": False, "error_code": 404, "description": "Not Found"}


# -- 2. request bodies ----------------------------------------------------------------------


def _multipart(fields: dict[str, str]) -> aiohttp.MultipartWriter:
    writer = aiohttp.MultipartWriter("form-data")
    for name, value in fields.items():
        part = writer.append(value)
        part.set_content_disposition("form-data", name=name)
    return writer


@pytest.mark.parametrize("encoding", ["json", "form-urlencoded", "multipart"])
async def test_send_message_accepts_json_form_and_multipart_bodies(
    chatting: Emulated, encoding: str
) -> None:
    fields = {
        "chat_id": str(USER),
        "text": "Hi",
        "reply_markup": json.dumps(KEYBOARD),
        "protect_content": "true",
    }
    kwargs: dict[str, Any]
    if encoding == "json":
        kwargs = {
            "json": {
                "chat_id": USER,
                "text": "Hi",
                "reply_markup": KEYBOARD,
                "protect_content": True,
            }
        }
    elif encoding == "form-urlencoded":
        kwargs = {
            "data": urlencode(fields),
            "headers": {"Content-Type": "application/x-www-form-urlencoded"},
        }
    else:
        kwargs = {"data": _multipart(fields)}

    status, body = await chatting.call("sendMessage", **kwargs)

    assert status == 200, body
    assert body["result"]["text"] == "Hi" and body["result"]["has_protected_content"] is True
    assert body["result"]["reply_markup"] == KEYBOARD
    (sent,) = chatting.api.messages(USER)
    assert sent.text == "Hi"
    assert sent.buttons == (("Yes", "f:n:yes"),)
    assert sent.protect_content is True and sent.is_edit is False


# -- 3. malformed parameters ----------------------------------------------------------------

STRANGER = 7777  # known to Telegram, but has never messaged the bot


@pytest.mark.parametrize(
    ("method", "params", "status", "description"),
    [
        pytest.param(
            "sendMessage", {"text": "Hi"}, 400, "Bad Request: chat_id is empty", id="no-chat-id"
        ),
        pytest.param(
            "sendMessage",
            {"chat_id": USER, "text": "  "},
            400,
            "Bad Request: message text is empty",
            id="empty-text",
        ),
        pytest.param(
            "sendMessage",
            {"chat_id": USER, "text": "x" * 4097},
            400,
            "Bad Request: message is too long",
            id="text-over-4096",
        ),
        pytest.param(
            "sendMessage",
            {
                "chat_id": USER,
                "text": "Hi",
                # 33 characters but 66 bytes: the limit is on bytes
                "reply_markup": {"inline_keyboard": [[{"text": "A", "callback_data": "é" * 33}]]},
            },
            400,
            "Bad Request: BUTTON_DATA_INVALID",
            id="callback-data-over-64-bytes",
        ),
        pytest.param(
            "sendMessage",
            {"chat_id": USER, "text": "Hi", "reply_markup": "{not json"},
            400,
            "Bad Request: can't parse reply_markup JSON object",
            id="unparseable-reply-markup",
        ),
        pytest.param(
            "sendMessage",
            {"chat_id": STRANGER, "text": "Hi"},
            403,
            "Forbidden: bot can't initiate conversation with a user",
            id="user-never-messaged-the-bot",
        ),
        pytest.param(
            "sendMessage",
            {"chat_id": 999, "text": "Hi"},
            400,
            "Bad Request: chat not found",
            id="unknown-chat",
        ),
        pytest.param(
            "editMessageText",
            {"chat_id": USER, "message_id": "first", "text": "Hi"},
            400,
            'Bad Request: field "message_id" must be of type Integer',
            id="non-integer-message-id",
        ),
    ],
)
async def test_malformed_parameters_are_refused_like_telegram(
    chatting: Emulated, method: str, params: dict[str, Any], status: int, description: str
) -> None:
    chatting.api.add_user(STRANGER)
    got_status, body = await chatting.call(method, json=params)
    assert (got_status, body) == (
        status,
        {"ok": False, "error_code": status, "description": description},
    )
    assert chatting.api.all_bot_messages() == []


async def test_text_and_callback_data_at_exactly_the_limits_are_accepted(
    chatting: Emulated,
) -> None:
    at_limit = {"inline_keyboard": [[{"text": "A", "callback_data": "é" * 32}]]}  # 64 bytes
    await chatting.send("x" * 4096, reply_markup=at_limit)
    (sent,) = chatting.api.messages(USER)
    assert len(sent.text) == 4096 and sent.buttons == (("A", "é" * 32),)


# -- 4. getUpdates --------------------------------------------------------------------------


async def test_get_updates_returns_what_a_user_sent(emulated: Emulated) -> None:
    update_id = emulated.api.user_sends_text(USER, "hello there", first_name="Sam")
    (update,) = await emulated.updates()
    assert update["update_id"] == update_id
    message = update["message"]
    assert message["text"] == "hello there"
    assert message["chat"] == {"id": USER, "type": "private", "first_name": "Sam"}
    assert message["from"]["id"] == USER and message["from"]["is_bot"] is False


async def test_an_update_is_returned_until_an_offset_past_it_confirms_it(
    emulated: Emulated,
) -> None:
    first = emulated.api.user_sends_text(USER, "one")
    assert [u["update_id"] for u in await emulated.updates()] == [first]
    assert [u["update_id"] for u in await emulated.updates()] == [first]  # not yet confirmed
    assert await emulated.updates(offset=first + 1) == []
    assert await emulated.updates() == []  # confirmed updates are forgotten


async def test_a_long_poll_returns_as_soon_as_a_user_sends(emulated: Emulated) -> None:
    poll = await start_long_poll(emulated, timeout=5)
    update_id = emulated.api.user_sends_text(USER, "are you there?")
    updates = await asyncio.wait_for(poll, BOUND)  # well before the 5 s poll timeout
    assert [(u["update_id"], u["message"]["text"]) for u in updates] == [
        (update_id, "are you there?")
    ]


async def test_a_long_poll_with_nothing_pending_returns_an_empty_list(emulated: Emulated) -> None:
    assert await asyncio.wait_for(emulated.updates(timeout=1), BOUND) == []


async def test_user_resends_delivers_a_confirmed_update_again_once(emulated: Emulated) -> None:
    first = emulated.api.user_sends_text(USER, "one")
    second = emulated.api.user_sends_text(USER, "two")
    await emulated.updates(offset=second + 1)  # both confirmed
    emulated.api.user_resends(first)
    (again,) = await emulated.updates(offset=second + 1)
    assert again["update_id"] == first and again["message"]["text"] == "one"
    assert await emulated.updates(offset=second + 1) == []


async def test_resending_an_unconfirmed_update_does_not_duplicate_it(emulated: Emulated) -> None:
    update_id = emulated.api.user_sends_text(USER, "one")
    emulated.api.user_resends(update_id)
    emulated.api.user_resends(update_id)
    assert [u["update_id"] for u in await emulated.updates()] == [update_id]


async def test_a_resend_wakes_a_waiting_long_poll(emulated: Emulated) -> None:
    update_id = emulated.api.user_sends_text(USER, "one")
    await emulated.updates(offset=update_id + 1)
    poll = await start_long_poll(emulated, offset=update_id + 1, timeout=5)
    emulated.api.user_resends(update_id)
    assert [u["update_id"] for u in await asyncio.wait_for(poll, BOUND)] == [update_id]


async def test_stopping_the_emulator_ends_a_waiting_long_poll_with_no_updates() -> None:
    api = BotApiEmulator(token=TOKEN, bot_username=USERNAME)
    root = await api.start(host="127.0.0.1", port=0)
    try:
        async with aiohttp.ClientSession() as http:
            poll = await start_long_poll(Emulated(api, root, http), timeout=30)
            await asyncio.wait_for(api.stop(), BOUND)
            assert await asyncio.wait_for(poll, BOUND) == []
    finally:
        await api.stop()


