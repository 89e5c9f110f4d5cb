"""The emulator's control API over HTTP: simulated people send, press and read (sandbox, curl)."""

from __future__ import annotations

import functools
import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from bot.emulator.server import BotApiEmulator


def control_routes(emulator: BotApiEmulator) -> list[web.RouteDef]:
    """The control API's routes, served beside the Bot API under /_emulator/."""
    return [
        web.post("/_emulator/users/{user_id}/messages", functools.partial(_control_send, emulator)),
        web.post("/_emulator/users/{user_id}/press", functools.partial(_control_press, emulator)),
        web.get("/_emulator/chats/{chat_id}/messages", functools.partial(_control_read, emulator)),
    ]


async def _control_send(emulator: BotApiEmulator, request: web.Request) -> web.Response:
    body = await _control_body(request)
    text = body.get("text")
    if not isinstance(text, str) or not text:
        return _control_error('send JSON like {"text": "/start"}')
    first_name = body.get("first_name")
    update_id = emulator.user_sends_text(
        int(request.match_info["user_id"]),
        text,
        first_name=first_name if isinstance(first_name, str) else None,
    )
    return web.json_response({"update_id": update_id})

async def _control_press(emulator: BotApiEmulator, request: web.Request) -> web.Response:
    body = await _control_body(request)
    try:
        update_id = emulator.user_presses(
            int(request.match_info["user_id"]),
            int(body.get("message_id", 0)),
            str(body.get("callback_data", "")),
        )
    except (TypeError, ValueError) as exc:
        return _control_error(str(exc))
    return web.json_response({"update_id": update_id})

async def _control_read(emulator: BotApiEmulator, request: web.Request) -> web.Response:
    chat_id = int(request.match_info["chat_id"])
    return web.json_response(
        {
            "messages": [
                {
                    "message_id": m.message_id,
                    "text": m.text,
                    "buttons": [{"text": t, "callback_data": d} for t, d in m.buttons],
                    "protect_content": m.protect_content,
                    "document": m.document.file_name if m.document else None,
                }
                for m in emulator.current_messages(chat_id)
            ]
        }
    )


async def _control_body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return body if isinstance(body, dict) else {}


def _control_error(message: str) -> web.Response:
    return web.json_response({"error": message}, status=400)
