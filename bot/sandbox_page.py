"""The sandbox's page: every persona's chat, the clock and Reset, as JSON and server-sent events."""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Awaitable, Callable
from datetime import time
from importlib import resources
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.demo import PERSONAS, Persona
from bot.sandbox_tours import TOURS
from conversations.capabilities import REGISTRY

if TYPE_CHECKING:
    from bot.emulator.state import StoredMessage
    from bot.sandbox import Sandbox

STATIC = {  # the page's files, in the package: no build step, nothing from the internet
    "": ("index.html", "text/html"),
    "sandbox.css": ("sandbox.css", "text/css"),
    "sandbox.js": ("sandbox.js", "text/javascript"),
}
CLOCK_MOVES = {"5m": 5, "15m": 15, "1h": 60}
EVENT_POLL_SECONDS = 0.2
MAX_TEXT = 4096

Handler = Callable[["Sandbox", web.Request], Awaitable[web.StreamResponse]]


def page_routes(sandbox: Sandbox) -> list[web.RouteDef]:
    """The page and its API, served by the emulator's own server."""

    def bound(handler: Handler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        return functools.partial(handler, sandbox)

    return [
        web.get("/", _serve_file),
        web.get("/sandbox/{name}", _serve_file),
        web.get("/_sandbox/state", bound(_read_state)),
        web.get("/_sandbox/events", bound(_stream_events)),
        web.get("/_sandbox/chats/{user_id}", bound(_read_chat)),
        web.post("/_sandbox/chats/{user_id}/messages", bound(_send_text)),
        web.post("/_sandbox/chats/{user_id}/press", bound(_press_button)),
        web.get("/_sandbox/chats/{user_id}/documents/{message_id}", bound(_download_document)),
        web.post("/_sandbox/clock", bound(_move_clock)),
        web.post("/_sandbox/reset", bound(_reset_demo)),
    ]


async def _serve_file(request: web.Request) -> web.Response:
    name = request.match_info.get("name", "")
    if name not in STATIC:
        raise web.HTTPNotFound()
    file_name, content_type = STATIC[name]
    body = resources.files("bot").joinpath("sandbox_static", file_name).read_bytes()
    return web.Response(body=body, content_type=content_type, charset="utf-8")


async def _read_state(sandbox: Sandbox, request: web.Request) -> web.Response:
    return web.json_response(
        {
            "generation": sandbox.generation,
            "revision": sandbox.emulator.state.revision,
            "clock": _describe_clock(sandbox),
            "personas": [_describe_persona(sandbox, p) for p in PERSONAS],
            "tours": [{"title": t.title, "steps": list(t.steps)} for t in TOURS],
        }
    )


async def _stream_events(sandbox: Sandbox, request: web.Request) -> web.StreamResponse:
    """Server-sent events: a line whenever a chat, the clock or the demo data changes."""
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
    )
    await response.prepare(request)
    seen: tuple[int, int, str] | None = None
    while True:
        clock = _describe_clock(sandbox)
        now = (sandbox.generation, sandbox.emulator.state.revision, clock["minute"])
        if now != seen:
            seen = now
            payload = {"generation": now[0], "revision": now[1], "clock": clock}
            try:
                await response.write(f"data: {json.dumps(payload)}\n\n".encode())
            except (ConnectionResetError, RuntimeError):
                break
        await asyncio.sleep(EVENT_POLL_SECONDS)
    return response


async def _read_chat(sandbox: Sandbox, request: web.Request) -> web.Response:
    user_id = _find_persona_id(request)
    messages = [_describe_message(m) for m in sandbox.emulator.conversation(user_id)]
    return web.json_response(
        {
            "messages": messages,
            "notice": _find_press_answer(sandbox, user_id),
            "revision": sandbox.emulator.state.revision,
        }
    )


def _find_press_answer(sandbox: Sandbox, user_id: int) -> str | None:
    """What the bot said to this person's latest button press, as Telegram's brief pop-up;
    gone once they type something, as the pop-up would be."""
    state = sandbox.emulator.state
    mine = [
        update
        for update in state.sent_updates.values()
        if (update.get("callback_query") or update.get("message") or {}).get("from", {}).get("id")
        == user_id
    ]
    if not mine or "callback_query" not in mine[-1]:
        return None
    latest = mine[-1]["callback_query"]["id"]
    return next((a.text for a in state.callback_answers if a.callback_id == latest), None)


async def _send_text(sandbox: Sandbox, request: web.Request) -> web.Response:
    user_id = _find_persona_id(request)
    text = (await _read_body(request)).get("text")
    if not isinstance(text, str) or not text.strip():
        return _refuse("Type a message first.")
    if len(text) > MAX_TEXT:
        return _refuse(f"A message can be at most {MAX_TEXT} characters.")
    update_id = sandbox.emulator.user_sends_text(user_id, text.strip())
    return web.json_response({"update_id": update_id})


async def _press_button(sandbox: Sandbox, request: web.Request) -> web.Response:
    user_id = _find_persona_id(request)
    body = await _read_body(request)
    try:
        update_id = sandbox.emulator.user_presses(
            user_id, int(body.get("message_id", 0)), str(body.get("callback_data", ""))
        )
    except (TypeError, ValueError):
        return _refuse("That button is no longer there.")
    return web.json_response({"update_id": update_id})


async def _download_document(sandbox: Sandbox, request: web.Request) -> web.Response:
    user_id = _find_persona_id(request)
    try:
        message_id = int(request.match_info["message_id"])
    except ValueError:
        raise web.HTTPNotFound() from None
    message = sandbox.emulator.state.stored.get((user_id, message_id))
    if message is None or message.document is None:
        raise web.HTTPNotFound()
    name = message.document.file_name
    return web.Response(
        body=message.document.content,
        content_type=_guess_content_type(name),
        headers={"Content-Disposition": f'attachment; filename="{_clean_file_name(name)}"'},
    )


async def _move_clock(sandbox: Sandbox, request: web.Request) -> web.Response:
    move = (await _read_body(request)).get("move")
    if move == "tomorrow-08":
        sandbox.move_clock(to_tomorrow=time(8))
    elif isinstance(move, str) and move in CLOCK_MOVES:
        sandbox.move_clock(CLOCK_MOVES[move])
    else:
        return _refuse("Move the clock by 5m, 15m, 1h or to tomorrow-08.")
    return web.json_response({"clock": _describe_clock(sandbox)})


async def _reset_demo(sandbox: Sandbox, request: web.Request) -> web.Response:
    await sandbox.reset()
    return web.json_response({"generation": sandbox.generation, "clock": _describe_clock(sandbox)})


def _describe_clock(sandbox: Sandbox) -> dict[str, str]:
    local = sandbox.clock.now().astimezone(sandbox.zone)
    return {
        "minute": local.strftime("%Y-%m-%dT%H:%M"),
        "shown": f"{local:%a} {local.day} {local:%b}, {local:%H:%M}",
    }


def _describe_persona(sandbox: Sandbox, persona: Persona) -> dict[str, Any]:
    published = sandbox.emulator.commands(persona.user_id)
    commands = published or list(REGISTRY.commands_for(persona.role))
    return {
        "user_id": persona.user_id,
        "name": persona.name,
        "role": persona.role,
        "role_label": persona.role.replace("_", " "),
        "commands": [{"command": c, "description": d} for c, d in commands],
    }


def _describe_message(message: StoredMessage) -> dict[str, Any]:
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    return {
        "message_id": message.message_id,
        "from_bot": message.from_bot,
        "text": message.text,
        "buttons": [
            [{"text": b.get("text", ""), "callback_data": b.get("callback_data")} for b in row]
            for row in rows
        ],
        "document": message.document.file_name if message.document else None,
        "media": next(iter(message.media), None) if message.media else None,
        "edited": message.edit_date is not None,
        "protected": message.protect_content,
    }


def _find_persona_id(request: web.Request) -> int:
    """The chat asked for, if it is one of the demo personas'."""
    try:
        user_id = int(request.match_info["user_id"])
    except ValueError:
        raise web.HTTPNotFound() from None
    if all(p.user_id != user_id for p in PERSONAS):
        raise web.HTTPNotFound()
    return user_id


async def _read_body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return body if isinstance(body, dict) else {}


def _refuse(sentence: str) -> web.Response:
    return web.json_response({"error": sentence}, status=400)


def _guess_content_type(file_name: str) -> str:
    if file_name.endswith(".ics"):
        return "text/calendar"
    if file_name.endswith(".pdf"):
        return "application/pdf"
    if file_name.endswith(".csv"):
        return "text/csv"
    return "application/octet-stream"


def _clean_file_name(name: str) -> str:
    return "".join(c for c in name if c.isalnum() or c in "._-") or "file"
