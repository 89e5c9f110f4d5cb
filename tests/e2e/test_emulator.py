"""The local Bot API emulator answers like Telegram: bodies, errors, long polls, buttons, faults."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.emulator import BotApiEmulator, Fault
from bot.wiring import make_gateway
from handlers.chat import AnswerButton, Button, EditMessage, SendMessage

TOKEN = "123456:EMULATOR-TEST-TOKEN"
USER = 4242


@pytest.fixture
async def emulator() -> AsyncIterator[tuple[BotApiEmulator, str]]:
    emulator = BotApiEmulator(token=TOKEN, bot_username="emulated_bot")
    root = await emulator.start(host="127.0.0.1", port=0)
    try:
        yield emulator, root
    finally:
        await emulator.stop()


async def call(root: str, method: str, token: str = TOKEN, **kwargs: Any) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{root}/bot{token}/{method}", **kwargs) as response,
    ):
        return response.status, await response.json()


KEYBOARD = {"inline_keyboard": [[{"text": "Yes", "callback_data": "f:n:yes"}]]}


async def test_get_me_wrong_token_and_unknown_method(
    emulator: tuple[BotApiEmulator, str],
) -> None:
    _, root = emulator
    status, body = await call(root, "getMe")
    assert status == 200 and body["result"]["username"] == "emulated_bot"
    status, body = await call(root, "getMe", token="1:wrong")
    assert (status, body) == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    status, body = await call(root, "sendCarrierPigeon")
    assert status == 404 and body["description"] == "Not Found"


@pytest.mark.parametrize("encoding", ["json", "form", "multipart"])
async def test_send_message_accepts_json_form_and_multipart_bodies(
    emulator: tuple[BotApiEmulator, str], encoding: str
) -> None:
    bot_api, root = emulator
    bot_api.user_sends_text(USER, "hello")
    if encoding == "json":
        kwargs: dict[str, Any] = {
            "json": {
                "chat_id": USER,
                "text": "Hi",
                "reply_markup": KEYBOARD,
                "protect_content": True,
            }
        }
    else:
        form = aiohttp.FormData(
            {"chat_id": str(USER), "text": "Hi", "reply_markup": json.dumps(KEYBOARD)}
        )
        form.add_field("protect_content", "true")
        if encoding == "multipart":
            form.add_field("unused", b"x", filename="x.bin")  # forces multipart/form-data
        kwargs = {"data": form}
    status, body = await call(root, "sendMessage", **kwargs)
    assert status == 200, body
    (sent,) = bot_api.messages(USER)
    assert sent.text == "Hi" and sent.buttons == (("Yes", "f:n:yes"),) and sent.protect_content


@pytest.mark.parametrize(
    ("params", "status", "description"),
    [
        ({"text": "Hi"}, 400, "Bad Request: chat_id is empty"),
        ({"chat_id": USER, "text": " "}, 400, "Bad Request: message text is empty"),
        ({"chat_id": USER, "text": "x" * 4097}, 400, "Bad Request: message is too long"),
        ({"chat_id": 999, "text": "Hi"}, 400, "Bad Request: chat not found"),
        ({"chat_id": 7777, "text": "Hi"}, 403, "Forbidden: bot can't initiate conversation"),
        (
            {"chat_id": USER, "text": "Hi", "reply_markup": "{not json"},
            400,
            "Bad Request: can't parse reply_markup",
        ),
        (
            {
                "chat_id": USER,
                "text": "Hi",
                "reply_markup": {"inline_keyboard": [[{"text": "A", "callback_data": "x" * 65}]]},
            },
            400,
            "Bad Request: BUTTON_DATA_INVALID",
        ),
    ],
)
async def test_malformed_parameters_are_refused_like_telegram(
    emulator: tuple[BotApiEmulator, str], params: dict[str, Any], status: int, description: str
) -> None:
    bot_api, root = emulator
    bot_api.user_sends_text(USER, "hello")
    bot_api.add_user(7777)
    got_status, body = await call(root, "sendMessage", json=params)
    assert got_status == status and body["ok"] is False
    assert body["description"].startswith(description)
    assert not bot_api.messages(USER)


async def test_get_updates_confirms_by_offset_long_polls_and_redelivers(
    emulator: tuple[BotApiEmulator, str],
) -> None:
    bot_api, root = emulator
    first = bot_api.user_sends_text(USER, "one")
    _, body = await call(root, "getUpdates", json={"timeout": 0})
    assert [u["update_id"] for u in body["result"]] == [first]
    assert body["result"][0]["message"]["text"] == "one"
    _, body = await call(root, "getUpdates", json={"offset": first + 1, "timeout": 0})
    assert body["result"] == []

    poll = asyncio.create_task(call(root, "getUpdates", json={"offset": first + 1, "timeout": 5}))
    await asyncio.sleep(0.1)
    second = bot_api.user_sends_text(USER, "two")
    _, body = await asyncio.wait_for(poll, 4)  # returns on arrival, not after the timeout
    assert [u["update_id"] for u in body["result"]] == [second]

    bot_api.user_resends(first)
    _, body = await call(root, "getUpdates", json={"offset": second + 1, "timeout": 0})
    assert [u["update_id"] for u in body["result"]] == [first]
    _, body = await call(root, "getUpdates", json={"offset": second + 1, "timeout": 0})
    assert body["result"] == []


async def test_buttons_presses_answers_and_edits(emulator: tuple[BotApiEmulator, str]) -> None:
    bot_api, root = emulator
    bot_api.user_sends_text(USER, "hello")
    _, sent = await call(
        root, "sendMessage", json={"chat_id": USER, "text": "Sure?", "reply_markup": KEYBOARD}
    )
    message_id = sent["result"]["message_id"]
    with pytest.raises(ValueError, match="shows no button"):
        bot_api.user_presses(USER, message_id, "f:n:no")
    pressed = bot_api.user_presses(USER, message_id, "f:n:yes")
    _, body = await call(root, "getUpdates", json={"timeout": 0})
    query = next(u for u in body["result"] if u["update_id"] == pressed)["callback_query"]
    assert query["data"] == "f:n:yes" and query["message"]["message_id"] == message_id

    status, _ = await call(root, "answerCallbackQuery", json={"callback_query_id": query["id"]})
    assert status == 200 and bot_api.callback_answers[0].callback_id == query["id"]
    status, body = await call(root, "answerCallbackQuery", json={"callback_query_id": query["id"]})
    assert status == 400 and "query is too old" in body["description"]

    edit = {"chat_id": USER, "message_id": message_id, "text": "Sure? ✔ Yes"}
    assert (await call(root, "editMessageText", json=edit))[0] == 200
    status, body = await call(root, "editMessageText", json=edit)
    assert status == 400 and "message is not modified" in body["description"]
    status, body = await call(root, "editMessageText", json={**edit, "message_id": 999})
    assert status == 400 and "message to edit not found" in body["description"]
    assert [m.is_edit for m in bot_api.messages(USER)] == [False, True]
    (current,) = bot_api.current_messages(USER)
    assert current.text == "Sure? ✔ Yes" and not current.buttons


async def test_commands_documents_and_faults(emulator: tuple[BotApiEmulator, str]) -> None:
    bot_api, root = emulator
    bot_api.user_sends_text(USER, "hello")
    commands = [{"command": "help", "description": "What I can do"}]
    scope = {"type": "chat", "chat_id": USER}
    status, _ = await call(root, "setMyCommands", json={"commands": commands, "scope": scope})
    assert status == 200 and bot_api.commands(USER) == [("help", "What I can do")]
    status, body = await call(
        root,
        "setMyCommands",
        json={"commands": [{"command": "Bad-Name", "description": "x"}]},
    )
    assert status == 400 and body["description"] == "Bad Request: BOT_COMMAND_INVALID"

    form = aiohttp.FormData({"chat_id": str(USER), "caption": "Export"})
    form.add_field("document", b"ref,severity\n", filename="alerts.csv")
    status, _ = await call(root, "sendDocument", data=form)
    assert status == 200
    document = bot_api.messages(USER)[-1].document
    assert document is not None and document.file_name == "alerts.csv"
    assert document.content == b"ref,severity\n"

    bot_api.inject_fault(
        Fault(429, "Too Many Requests: retry after 3", retry_after=3, method="sendMessage")
    )
    status, body = await call(root, "sendMessage", json={"chat_id": USER, "text": "a"})
    assert status == 429 and body["parameters"]["retry_after"] == 3
    assert (await call(root, "sendMessage", json={"chat_id": USER, "text": "a"}))[0] == 200
    bot_api.block_bot(USER)
    status, body = await call(root, "sendMessage", json={"chat_id": USER, "text": "a"})
    assert status == 403 and body["description"] == "Forbidden: bot was blocked by the user"


async def test_control_api_lets_curl_chat_as_a_person(
    emulator: tuple[BotApiEmulator, str],
) -> None:
    _, root = emulator
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{root}/_emulator/users/{USER}/messages", json={"text": "hi"}) as r:
            update_id = (await r.json())["update_id"]
        _, body = await call(root, "getUpdates", json={"timeout": 0})
        assert body["result"][0]["update_id"] == update_id
        await call(
            root, "sendMessage", json={"chat_id": USER, "text": "Q", "reply_markup": KEYBOARD}
        )
        async with http.get(f"{root}/_emulator/chats/{USER}/messages") as r:
            (listed,) = (await r.json())["messages"]
        assert listed["buttons"] == [{"text": "Yes", "callback_data": "f:n:yes"}]
        bad = {"message_id": listed["message_id"], "callback_data": "forged"}
        async with http.post(f"{root}/_emulator/users/{USER}/press", json=bad) as r:
            assert r.status == 400 and "no button" in (await r.json())["error"]


@pytest.mark.parametrize("runtime", ["ptb", "aiogram"])
async def test_both_runtimes_work_against_it_unmodified(
    emulator: tuple[BotApiEmulator, str], runtime: str
) -> None:
    bot_api, root = emulator
    gateway = make_gateway(runtime, TOKEN, root, poll_timeout=1)
    try:
        assert await gateway.start() == "emulated_bot"
        bot_api.user_sends_text(USER, "hello there")
        ((update_id, event),) = await gateway.fetch_updates(None, 1)
        assert event is not None and event.text == "hello there" and event.chat_id == USER

        keyboard = ((Button("Yes", "f:n:yes"),),)
        sent = await gateway.deliver(USER, SendMessage("Sure?", keyboard, protect_content=True))
        assert sent.ok and sent.message_id is not None
        bot_api.user_presses(USER, sent.message_id, "f:n:yes")
        ((_, press),) = await gateway.fetch_updates(update_id + 1, 1)
        assert press is not None and press.callback_data == "f:n:yes"
        assert press.callback_id is not None
        assert (await gateway.deliver(USER, AnswerButton(press.callback_id, "Thanks"))).ok
        assert (await gateway.deliver(USER, EditMessage(sent.message_id, "Sure? ✔ Yes"))).ok
        unchanged = await gateway.deliver(USER, EditMessage(sent.message_id, "Sure? ✔ Yes"))
        assert unchanged.ok  # "message is not modified" is harmless

        bot_api.inject_fault(Fault(429, "Too Many Requests: retry after 2", retry_after=2))
        throttled = await gateway.deliver(USER, SendMessage("again"))
        assert not throttled.ok and throttled.retry_after == 2 and not throttled.is_permanent
        bot_api.block_bot(USER)
        blocked = await gateway.deliver(USER, SendMessage("again"))
        assert not blocked.ok and blocked.is_permanent
    finally:
        await gateway.close()
