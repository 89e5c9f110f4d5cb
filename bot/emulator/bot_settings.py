"""The Bot API methods that set the bot up: its command menus and its webhook."""

from __future__ import annotations

import re
from typing import Any

from bot.emulator.params import Params, bad_request
from bot.emulator.state import EmulatorState

_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def _scope_key(state: EmulatorState, params: Params) -> str:
    scope = params.structure("scope") or {"type": "default"}
    if not isinstance(scope, dict) or "type" not in scope:
        raise bad_request("can't parse BotCommandScope JSON object")
    if scope["type"] == "chat":
        chat_id = scope.get("chat_id")
        if not isinstance(chat_id, int) or chat_id not in state.users:
            raise bad_request("chat not found")
        return f"chat:{chat_id}"
    return str(scope["type"])


async def set_my_commands(state: EmulatorState, params: Params) -> Any:
    commands = params.structure("commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("can't parse commands JSON object")
    checked: list[tuple[str, str]] = []
    for item in commands:
        if not isinstance(item, dict) or not _COMMAND.match(str(item.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(str(item.get("description", ""))) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        checked.append((str(item["command"]), str(item["description"])))
    state.commands[_scope_key(state, params)] = checked
    return True


async def get_my_commands(state: EmulatorState, params: Params) -> Any:
    commands = state.commands.get(_scope_key(state, params), [])
    return [{"command": c, "description": d} for c, d in commands]


async def delete_my_commands(state: EmulatorState, params: Params) -> Any:
    state.commands.pop(_scope_key(state, params), None)
    return True


async def set_webhook(state: EmulatorState, params: Params) -> Any:
    url = params.text("url") or ""
    if url and not url.startswith(("https://", "http://")):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = params.text("secret_token")
    if secret is not None and not _SECRET.match(secret):
        raise bad_request("bad webhook: secret token contains unallowed characters")
    if params.flag("drop_pending_updates"):
        state.pending = []
    state.webhook_url, state.webhook_secret = url or None, secret
    state.wake()
    return True


async def delete_webhook(state: EmulatorState, params: Params) -> Any:
    if params.flag("drop_pending_updates"):
        state.pending = []
    state.webhook_url = state.webhook_secret = None
    return True


async def get_webhook_info(state: EmulatorState, params: Params) -> Any:
    return {
        "url": state.webhook_url or "",
        "has_custom_certificate": False,
        "pending_update_count": len(state.pending),
    }
