"""The local Bot API emulator answers like Telegram: bodies, errors, long polls, buttons, faults."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest

from bot.emulator import BotApiEmulator, EmulatedDocument, Fault
from bot.wiring import make_gateway
from handlers.delivery.chat import AnswerButton, Button, EditMessage, SendMessage

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


def _polls(api: BotApiEmulator) -> int:
    return sum(name == "getUpdates" for name, _ in api.calls)


async def start_long_poll(emulated: Emulated, **params: Any) -> asyncio.Task[list[dict[str, Any]]]:
    """The bot's getUpdates as a task, once it has reached the emulator and is waiting."""
    before = _polls(emulated.api)
    poll = asyncio.create_task(emulated.updates(**params))

    async def arrived() -> None:
        while _polls(emulated.api) == before:
            await asyncio.sleep(0.01)

    await asyncio.wait_for(arrived(), BOUND)
    assert not poll.done()
    return poll


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


# -- 5. buttons, answers and edits ----------------------------------------------------------


async def test_pressing_a_shown_button_sends_a_callback_query(chatting: Emulated) -> None:
    message_id = await chatting.send()
    await chatting.updates(offset=max(chatting.api.state.sent_updates) + 1)

    pressed = chatting.api.user_presses(USER, message_id, "f:n:yes")

    (update,) = await chatting.updates()
    assert update["update_id"] == pressed
    query = update["callback_query"]
    assert query["data"] == "f:n:yes" and query["from"]["id"] == USER
    assert query["message"]["message_id"] == message_id
    assert query["message"]["text"] == "Sure?"
    assert query["message"]["reply_markup"] == KEYBOARD
    assert query["id"]


async def test_a_strict_press_of_data_not_shown_raises(chatting: Emulated) -> None:
    message_id = await chatting.send()
    with pytest.raises(ValueError, match="shows no button"):
        chatting.api.user_presses(USER, message_id, "f:n:no")
    with pytest.raises(ValueError, match="has no bot message"):
        chatting.api.user_presses(USER, message_id + 100, "f:n:yes")
    # a stale or forged press still reaches the bot when asked for
    stale = chatting.api.user_presses(USER, message_id, "f:n:no", strict=False)
    assert any(u["update_id"] == stale for u in await chatting.updates())


async def test_answering_a_press_is_recorded_and_a_second_answer_is_too_old(
    chatting: Emulated,
) -> None:
    message_id = await chatting.send()
    pressed = chatting.api.user_presses(USER, message_id, "f:n:yes")
    callback_id = chatting.api.state.sent_updates[pressed]["callback_query"]["id"]

    answer = {"callback_query_id": callback_id, "text": "Thanks"}
    status, body = await chatting.call("answerCallbackQuery", json=answer)
    assert (status, body) == (200, {"ok": True, "result": True})
    (recorded,) = chatting.api.callback_answers
    assert (recorded.callback_id, recorded.text, recorded.show_alert) == (
        callback_id,
        "Thanks",
        False,
    )

    status, body = await chatting.call("answerCallbackQuery", json=answer)
    assert status == 400
    assert body["description"].startswith("Bad Request: query is too old")
    assert len(chatting.api.callback_answers) == 1


async def test_edit_message_text_logs_an_edit_and_current_messages_shows_the_latest(
    chatting: Emulated,
) -> None:
    message_id = await chatting.send("Sure?")
    edit = {"chat_id": USER, "message_id": message_id, "text": "Sure? ✔ Yes"}

    status, body = await chatting.call("editMessageText", json=edit)

    assert status == 200 and body["result"]["text"] == "Sure? ✔ Yes"
    assert "edit_date" in body["result"]
    assert [(m.message_id, m.text, m.is_edit) for m in chatting.api.messages(USER)] == [
        (message_id, "Sure?", False),
        (message_id, "Sure? ✔ Yes", True),
    ]
    (current,) = chatting.api.current_messages(USER)
    assert current.text == "Sure? ✔ Yes" and current.is_edit
    assert current.buttons == ()  # an edit without reply_markup drops the keyboard


async def test_an_edit_that_changes_nothing_is_not_modified(chatting: Emulated) -> None:
    message_id = await chatting.send("Sure?")
    same = {"chat_id": USER, "message_id": message_id, "text": "Sure?", "reply_markup": KEYBOARD}
    status, body = await chatting.call("editMessageText", json=same)
    assert status == 400
    assert body["description"].startswith("Bad Request: message is not modified")
    assert len(chatting.api.messages(USER)) == 1


async def test_edit_message_reply_markup_removes_the_buttons(chatting: Emulated) -> None:
    message_id = await chatting.send("Sure?")
    status, body = await chatting.call(
        "editMessageReplyMarkup", json={"chat_id": USER, "message_id": message_id}
    )
    assert status == 200 and "reply_markup" not in body["result"]
    (current,) = chatting.api.current_messages(USER)
    assert current.text == "Sure?" and current.buttons == () and current.is_edit
    with pytest.raises(ValueError, match="shows no button"):
        chatting.api.user_presses(USER, message_id, "f:n:yes")


async def test_editing_a_message_that_does_not_exist_is_not_found(chatting: Emulated) -> None:
    status, body = await chatting.call(
        "editMessageText", json={"chat_id": USER, "message_id": 999, "text": "Hi"}
    )
    assert (status, body["description"]) == (400, "Bad Request: message to edit not found")


# -- 6. command menus -----------------------------------------------------------------------


async def test_set_my_commands_for_a_chat_is_readable_back(chatting: Emulated) -> None:
    commands = [
        {"command": "help", "description": "What I can do"},
        {"command": "illness", "description": "Tell us your child is ill"},
    ]
    scope = {"type": "chat", "chat_id": USER}

    status, body = await chatting.call("setMyCommands", json={"commands": commands, "scope": scope})

    assert (status, body) == (200, {"ok": True, "result": True})
    assert chatting.api.commands(USER) == [
        ("help", "What I can do"),
        ("illness", "Tell us your child is ill"),
    ]
    assert chatting.api.commands() == []  # the default menu is untouched
    status, body = await chatting.call("getMyCommands", json={"scope": scope})
    assert (status, body["result"]) == (200, commands)


async def test_an_invalid_command_name_is_refused(chatting: Emulated) -> None:
    status, body = await chatting.call(
        "setMyCommands", json={"commands": [{"command": "Bad-Name", "description": "x"}]}
    )
    assert (status, body["description"]) == (400, "Bad Request: BOT_COMMAND_INVALID")
    assert chatting.api.commands() == []


# -- 7. documents ---------------------------------------------------------------------------


async def test_send_document_stores_the_uploaded_file_and_caption(chatting: Emulated) -> None:
    content = b"ref,severity\nA1,high\n"
    form = aiohttp.FormData({"chat_id": str(USER), "caption": "Alerts export"})
    form.add_field("document", content, filename="alerts.csv", content_type="text/csv")

    status, body = await chatting.call("sendDocument", data=form)

    assert status == 200, body
    assert body["result"]["document"]["file_name"] == "alerts.csv"
    assert body["result"]["document"]["file_size"] == len(content)
    assert body["result"]["caption"] == "Alerts export"
    (sent,) = chatting.api.messages(USER)
    assert sent.document == EmulatedDocument("alerts.csv", content)
    assert sent.text == "Alerts export"
    assert all("document" not in params for _, params in chatting.api.calls)  # no bytes logged


# -- 8. faults ------------------------------------------------------------------------------


async def test_an_injected_429_fails_the_next_send_once_with_retry_after(
    chatting: Emulated,
) -> None:
    chatting.api.inject_fault(
        Fault(
            error_code=429,
            description="Too Many Requests: retry after 3",
            retry_after=3,
            method="sendMessage",
        )
    )
    hello = {"chat_id": USER, "text": "Hi"}
    status, body = await chatting.call("sendMessage", json=hello)
    assert (status, body) == (
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 3",
            "parameters": {"retry_after": 3},
        },
    )
    assert chatting.api.messages(USER) == []
    status, _ = await chatting.call("sendMessage", json=hello)
    assert status == 200
    assert [m.text for m in chatting.api.messages(USER)] == ["Hi"]


async def test_a_blocked_user_makes_sends_forbidden(chatting: Emulated) -> None:
    chatting.api.block_bot(USER)
    status, body = await chatting.call("sendMessage", json={"chat_id": USER, "text": "Hi"})
    assert (status, body) == (
        403,
        {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"},
    )
    chatting.api.unblock_bot(USER)
    assert (await chatting.call("sendMessage", json={"chat_id": USER, "text": "Hi"}))[0] == 200


# -- 9. the control API over HTTP -----------------------------------------------------------


async def test_a_message_posted_to_the_control_api_reaches_get_updates(
    emulated: Emulated,
) -> None:
    status, body = await emulated.control(
        "POST", f"users/{USER}/messages", json={"text": "/start", "first_name": "Sam"}
    )
    assert status == 200
    (update,) = await emulated.updates()
    assert update["update_id"] == body["update_id"]
    assert update["message"]["text"] == "/start"
    assert update["message"]["from"]["first_name"] == "Sam"
    assert update["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]


async def test_the_control_api_lists_the_bots_messages_with_buttons(chatting: Emulated) -> None:
    message_id = await chatting.send("Sure?", protect_content=True)
    status, body = await chatting.control("GET", f"chats/{USER}/messages")
    assert (status, body) == (
        200,
        {
            "messages": [
                {
                    "message_id": message_id,
                    "text": "Sure?",
                    "buttons": [{"text": "Yes", "callback_data": "f:n:yes"}],
                    "protect_content": True,
                    "document": None,
                }
            ]
        },
    )


async def test_the_control_api_presses_only_buttons_that_are_shown(chatting: Emulated) -> None:
    message_id = await chatting.send()
    await chatting.updates(offset=max(chatting.api.state.sent_updates) + 1)

    bad = {"message_id": message_id, "callback_data": "forged"}
    status, body = await chatting.control("POST", f"users/{USER}/press", json=bad)
    assert status == 400 and "no button" in body["error"]
    assert await chatting.updates() == []

    good = {"message_id": message_id, "callback_data": "f:n:yes"}
    status, body = await chatting.control("POST", f"users/{USER}/press", json=good)
    assert status == 200
    (update,) = await chatting.updates()
    assert update["update_id"] == body["update_id"]
    assert update["callback_query"]["data"] == "f:n:yes"


async def test_the_control_api_refuses_a_message_without_text(emulated: Emulated) -> None:
    status, body = await emulated.control("POST", f"users/{USER}/messages", json={})
    assert status == 400 and "text" in body["error"]
    assert await emulated.updates() == []


# -- 10. both real runtimes, unmodified -----------------------------------------------------


@pytest.mark.parametrize("runtime", ["ptb", "aiogram"])
async def test_both_runtimes_work_against_it_unmodified(emulated: Emulated, runtime: str) -> None:
    api = emulated.api
    gateway = make_gateway(runtime, TOKEN, emulated.root, poll_timeout=1)
    try:
        assert await gateway.start() == USERNAME

        sent_id = api.user_sends_text(USER, "hello there", first_name="Sam")
        ((update_id, event),) = await gateway.fetch_updates(None, 1)
        assert update_id == sent_id
        assert event is not None
        assert (event.text, event.chat_id, event.telegram_user_id) == ("hello there", USER, USER)

        keyboard = ((Button("Yes", "f:n:yes"), Button("No", "f:n:no")),)
        sent = await gateway.deliver(USER, SendMessage("Sure?", keyboard, protect_content=True))
        assert sent.ok and sent.message_id is not None
        (shown,) = api.current_messages(USER)
        assert shown.message_id == sent.message_id and shown.protect_content
        assert shown.buttons == (("Yes", "f:n:yes"), ("No", "f:n:no"))

        api.user_presses(USER, sent.message_id, "f:n:yes")
        ((_, press),) = await gateway.fetch_updates(update_id + 1, 1)
        assert press is not None and press.is_button
        assert (press.callback_data, press.message_id) == ("f:n:yes", sent.message_id)
        assert press.callback_id is not None

        answered = await gateway.deliver(USER, AnswerButton(press.callback_id, "Thanks"))
        assert answered.ok
        assert [(a.callback_id, a.text) for a in api.callback_answers] == [
            (press.callback_id, "Thanks")
        ]

        edited = await gateway.deliver(USER, EditMessage(sent.message_id, "Sure? ✔ Yes"))
        assert edited.ok
        (current,) = api.current_messages(USER)
        assert (current.text, current.buttons, current.is_edit) == ("Sure? ✔ Yes", (), True)
        unchanged = await gateway.deliver(USER, EditMessage(sent.message_id, "Sure? ✔ Yes"))
        assert unchanged.ok  # "message is not modified" is harmless

        api.inject_fault(
            Fault(
                error_code=429,
                description="Too Many Requests: retry after 2",
                retry_after=2,
                method="sendMessage",
            )
        )
        throttled = await gateway.deliver(USER, SendMessage("again"))
        assert not throttled.ok and not throttled.is_permanent
        assert throttled.retry_after == 2

        api.block_bot(USER)
        blocked = await gateway.deliver(USER, SendMessage("again"))
        assert not blocked.ok and blocked.is_permanent and blocked.retry_after is None
        assert [m.text for m in api.messages(USER)] == ["Sure?", "Sure? ✔ Yes"]
    finally:
        await gateway.close()
