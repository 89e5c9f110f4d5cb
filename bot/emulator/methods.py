"""The Bot API methods the emulator answers, each checking its parameters as Telegram does."""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bot.emulator.bot_settings import (
    delete_my_commands,
    delete_webhook,
    get_my_commands,
    get_webhook_info,
    set_my_commands,
    set_webhook,
)
from bot.emulator.params import ApiError, Params, UploadedFile, bad_request
from bot.emulator.state import (
    CallbackAnswer,
    EmulatedDocument,
    EmulatorState,
    StoredMessage,
    check_rate,
)

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
_PARSE_MODES = {"HTML", "Markdown", "MarkdownV2"}

Method = Callable[[EmulatorState, Params], Awaitable[Any]]


def message_json(state: EmulatorState, message: StoredMessage) -> dict[str, Any]:
    """A stored message as the Bot API's `Message` object."""
    user = state.users[message.chat_id]
    body: dict[str, Any] = {
        "message_id": message.message_id,
        "from": state.bot_json() if message.from_bot else user.as_json(),
        "chat": user.chat_json(),
        "date": message.date,
    }
    if message.document is not None:
        body["document"] = {
            "file_id": f"doc-{message.chat_id}-{message.message_id}",
            "file_unique_id": f"u{message.chat_id}x{message.message_id}",
            "file_name": message.document.file_name,
            "file_size": len(message.document.content),
        }
        if message.text:
            body["caption"] = message.text
    elif message.media is not None:
        body.update(message.media)
        if message.text:
            body["caption"] = message.text
    else:
        body["text"] = message.text
        if message.text.startswith("/"):
            length = len(message.text.split()[0])
            body["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    if message.reply_markup:
        body["reply_markup"] = message.reply_markup
    if message.protect_content:
        body["has_protected_content"] = True
    if message.edit_date is not None:
        body["edit_date"] = message.edit_date
    return body


def _reachable_chat(state: EmulatorState, params: Params) -> int:
    chat_id = params.chat_id()
    user = state.users.get(chat_id)
    if user is None:
        raise bad_request("chat not found")
    if user.has_blocked_bot:
        raise ApiError(403, "Forbidden: bot was blocked by the user")
    if not user.has_started:
        raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
    _within_limits(state, chat_id)
    return chat_id


def _within_limits(state: EmulatorState, chat_id: int) -> None:
    wait = check_rate(state, chat_id, time.monotonic())
    if wait > 0:
        seconds = math.ceil(wait)
        raise ApiError(429, f"Too Many Requests: retry after {seconds}", retry_after=seconds)


def _inline_keyboard(params: Params) -> dict[str, Any] | None:
    markup = params.structure("reply_markup")
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        return None  # reply keyboards and their removal are accepted but not shown
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays'
        )
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not str(button.get("text", "")).strip():
                raise bad_request("BUTTON_TEXT_INVALID")
            data = button.get("callback_data")
            if data is None and "url" not in button:
                raise bad_request("BUTTON_TYPE_INVALID")
            if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
                raise bad_request("BUTTON_DATA_INVALID")
    return {"inline_keyboard": rows} if rows else None


def _checked_text(params: Params, name: str = "text", limit: int = MAX_TEXT) -> str:
    text = params.text(name) or ""
    if name == "text" and not text.strip():
        raise bad_request("message text is empty")
    if len(text) > limit:
        raise bad_request(
            "message is too long" if name == "text" else "message caption is too long"
        )
    mode = params.text("parse_mode")
    if mode is not None and mode not in _PARSE_MODES:
        raise bad_request(f'unsupported parse_mode "{mode}"')
    return text


async def get_me(state: EmulatorState, params: Params) -> Any:
    return {
        **state.bot_json(),
        "can_join_groups": False,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
    }


async def get_updates(state: EmulatorState, params: Params) -> Any:
    if state.webhook_url is not None:
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook "
            "to delete the webhook first",
        )
    offset = params.integer("offset")
    limit = params.integer("limit") or 100
    timeout = params.integer("timeout") or 0
    if not 1 <= limit <= 100:
        limit = 100
    if offset is not None:
        # Passing an offset confirms every update before it; Telegram forgets them.
        state.pending = [u for u in state.pending if u["update_id"] >= offset]
    if not state.pending and not state.redeliver and timeout > 0:
        # Any wake ends the poll: an update, a new webhook, or the emulator stopping (which
        # would otherwise leave the poll hanging until the server cancels it).
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(state.arrival().wait(), timeout)
    batch = sorted(state.redeliver + state.pending[:limit], key=lambda u: int(u["update_id"]))
    state.redeliver = []
    return batch


async def send_message(state: EmulatorState, params: Params) -> Any:
    chat_id = _reachable_chat(state, params)
    text = _checked_text(params)
    markup = _inline_keyboard(params)
    message = state.new_message(state.users[chat_id], from_bot=True, text=text)
    message.reply_markup = markup
    message.protect_content = params.flag("protect_content")
    state.record(message, is_edit=False)
    return message_json(state, message)


async def send_document(state: EmulatorState, params: Params) -> Any:
    chat_id = _reachable_chat(state, params)
    upload = params.upload("document")
    if upload is None:
        raise bad_request("there is no document in the request")
    if isinstance(upload, UploadedFile):
        document = EmulatedDocument(upload.file_name, upload.content)
    else:
        document = EmulatedDocument(upload.rsplit("/", 1)[-1], b"")
    caption = _checked_text(params, "caption", MAX_CAPTION)
    message = state.new_message(state.users[chat_id], from_bot=True, text=caption)
    message.document = document
    message.reply_markup = _inline_keyboard(params)
    message.protect_content = params.flag("protect_content")
    state.record(message, is_edit=False)
    return message_json(state, message)


def _message_to_edit(state: EmulatorState, params: Params) -> StoredMessage:
    if params.text("inline_message_id") is not None:
        raise bad_request("inline messages are not supported by the emulator")
    chat_id = params.chat_id()
    if chat_id not in state.users:
        raise bad_request("chat not found")
    _within_limits(state, chat_id)
    message_id = params.integer("message_id", required=True)
    message = state.stored.get((chat_id, message_id or 0))
    if message is None:
        raise bad_request("message to edit not found")
    if not message.from_bot:
        raise bad_request("message can't be edited")
    return message


def _apply_edit(
    state: EmulatorState, message: StoredMessage, text: str, markup: dict[str, Any] | None
) -> Any:
    if message.text == text and message.reply_markup == markup:
        raise bad_request(
            "message is not modified: specified new message content and reply markup are "
            "exactly the same as a current content and reply markup of the message"
        )
    message.text, message.reply_markup = text, markup
    message.edit_date = int(time.time())
    state.record(message, is_edit=True)
    return message_json(state, message)


async def edit_message_text(state: EmulatorState, params: Params) -> Any:
    message = _message_to_edit(state, params)
    return _apply_edit(state, message, _checked_text(params), _inline_keyboard(params))


async def edit_message_reply_markup(state: EmulatorState, params: Params) -> Any:
    message = _message_to_edit(state, params)
    return _apply_edit(state, message, message.text, _inline_keyboard(params))


async def answer_callback_query(state: EmulatorState, params: Params) -> Any:
    callback_id = params.text("callback_query_id", required=True) or ""
    if callback_id not in state.open_callbacks:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    text = params.text("text")
    if text is not None and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    state.open_callbacks.discard(callback_id)
    state.callback_answers.append(CallbackAnswer(callback_id, text, params.flag("show_alert")))
    state.revision += 1
    return True


METHODS: dict[str, Method] = {
    "getme": get_me,
    "getupdates": get_updates,
    "sendmessage": send_message,
    "senddocument": send_document,
    "editmessagetext": edit_message_text,
    "editmessagereplymarkup": edit_message_reply_markup,
    "answercallbackquery": answer_callback_query,
    "setmycommands": set_my_commands,
    "getmycommands": get_my_commands,
    "deletemycommands": delete_my_commands,
    "setwebhook": set_webhook,
    "deletewebhook": delete_webhook,
    "getwebhookinfo": get_webhook_info,
}
