"""The emulator's control API, and both real runtimes working against it unmodified."""

from __future__ import annotations

import pytest

from bot.emulator import Fault
from bot.wiring import make_gateway
from handlers.delivery.chat import AnswerButton, Button, EditMessage, SendMessage
from tests.e2e.emulator.support import (
    TOKEN,
    USER,
    USERNAME,
    Emulated,
)

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
