"""The emulator keeps chats like Telegram: buttons, edits, menus, documents, faults."""

from __future__ import annotations

import aiohttp
import pytest

from bot.emulator import EmulatedDocument, Fault
from tests.e2e.emulator.support import (
    KEYBOARD,
    USER,
    Emulated,
)

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


# -- what a page shows (the sandbox) --------------------------------------------------------


async def test_a_conversation_holds_both_sides_in_order_and_counts_each_change(
    chatting: Emulated,
) -> None:
    first = chatting.api.state.revision
    message_id = await chatting.send()
    second = chatting.api.state.revision
    chatting.api.user_sends_text(USER, "yes please")
    texts = [(m.from_bot, m.text) for m in chatting.api.conversation(USER)]
    assert texts == [(False, "hello"), (True, "Sure?"), (False, "yes please")]
    assert first < second < chatting.api.state.revision
    assert chatting.api.conversation(USER)[1].message_id == message_id


async def test_forgetting_everything_leaves_a_new_telegram_with_the_same_bot(
    chatting: Emulated,
) -> None:
    await chatting.send()
    chatting.api.forget_everything()
    assert chatting.api.conversation(USER) == [] and not chatting.api.state.pending
    assert chatting.api.state.bot_username == chatting.api.state.bot_json()["username"]
    chatting.api.add_user(USER, "Una", has_started=True)
    assert chatting.api.state.users[USER].has_started
