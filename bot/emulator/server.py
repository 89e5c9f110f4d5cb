"""The emulator's HTTP server: the Bot API for the bot, and a control API for simulated people."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Iterable
from typing import Any

import aiohttp
from aiohttp import web

from bot.emulator.control import control_routes
from bot.emulator.methods import METHODS, message_json
from bot.emulator.params import ApiError, Params, UploadedFile, read_params
from bot.emulator.state import (
    CallbackAnswer,
    EmulatedMessage,
    EmulatorState,
    Fault,
    RateLimits,
    StoredMessage,
    media_json,
)

log = logging.getLogger(__name__)


class BotApiEmulator:
    """A local stand-in for api.telegram.org that both runtimes talk to unmodified."""

    def __init__(
        self,
        token: str,
        *,
        bot_username: str = "familytime_sandbox_bot",
        limits: RateLimits | None = None,
    ) -> None:
        self.token = token
        self.state = EmulatorState(
            bot_id=int(token.split(":", 1)[0]), bot_username=bot_username, limits=limits
        )
        self._runner: web.AppRunner | None = None
        self._is_closing = False
        self._pusher: asyncio.Task[None] | None = None

    # -- the server ---------------------------------------------------------------------------

    async def start(
        self, *, host: str = "127.0.0.1", port: int = 0, routes: Iterable[web.RouteDef] = ()
    ) -> str:
        """Listen on host:port (0 picks a free port) and return the Bot API root URL.

        `routes` are served beside the Bot API by the same server (the sandbox's page)."""
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._bot_api)
        app.router.add_routes(control_routes(self))
        app.router.add_routes(list(routes))
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound = self._runner.addresses[0]
        self._pusher = asyncio.create_task(self._push_to_webhook())
        return f"http://{host}:{bound[1]}"

    async def stop(self) -> None:
        """Release waiting long polls and close the server."""
        self._is_closing = True
        self.state.wake()
        if self._pusher is not None:
            self._pusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pusher
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _bot_api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(ApiError(401, "Unauthorized").body(), status=401)
        name = request.match_info["method"]
        method = METHODS.get(name.lower())
        if method is None:
            return web.json_response(ApiError(404, "Not Found").body(), status=404)
        try:
            params = await read_params(request)
            self.state.calls.append((name, _loggable(params)))
            await self._apply_fault(name, params)
            if self._is_closing and name.lower() == "getupdates":
                result: Any = []
            else:
                result = await method(self.state, params)
        except ApiError as error:
            return web.json_response(error.body(), status=error.code)
        if self.state.latency is not None and name.lower() != "getupdates":
            self.state.in_flight += 1
            try:
                await asyncio.sleep(random.uniform(*self.state.latency))
            finally:
                self.state.in_flight -= 1
        return web.json_response({"ok": True, "result": result})

    async def _push_to_webhook(self) -> None:
        """Like Telegram: POST each update to the webhook, in order, until it is answered 2xx."""
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:
            while True:
                state = self.state
                if state.webhook_url is None or not (state.redeliver or state.pending):
                    await state.arrival().wait()
                    continue
                update = state.redeliver[0] if state.redeliver else state.pending[0]
                headers = {}
                if state.webhook_secret:
                    headers["X-Telegram-Bot-Api-Secret-Token"] = state.webhook_secret
                try:
                    async with http.post(state.webhook_url, json=update, headers=headers) as reply:
                        status = reply.status
                except (aiohttp.ClientError, TimeoutError):
                    status = 0
                state.webhook_posts.append((int(update["update_id"]), status))
                if 200 <= status < 300:
                    queue = (
                        state.redeliver
                        if state.redeliver and state.redeliver[0] is update
                        else state.pending
                    )
                    if queue and queue[0] is update:
                        queue.pop(0)
                else:
                    await asyncio.sleep(0.2)

    async def _apply_fault(self, method: str, params: Params) -> None:
        try:
            chat_id = int(params.raw("chat_id"))
        except (TypeError, ValueError):
            chat_id = None
        fault = self.state.take_fault(method, chat_id)
        if fault is None:
            return
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if fault.error_code:
            raise ApiError(fault.error_code, fault.description, retry_after=fault.retry_after)

    # -- simulated people ---------------------------------------------------------------------

    def add_user(
        self, user_id: int, first_name: str | None = None, *, has_started: bool = False
    ) -> None:
        """Make a Telegram user known (with has_started, one who has opened the bot's chat)."""
        self.state.user(user_id, first_name).has_started |= has_started

    def forget_everything(self) -> None:
        """Start again as a new Telegram: no users, chats or updates (the sandbox's Reset)."""
        old = self.state
        old.wake()
        self.state = EmulatorState(
            bot_id=old.bot_id, bot_username=old.bot_username, limits=old.limits
        )

    def user_sends_text(self, user_id: int, text: str, *, first_name: str | None = None) -> int:
        """A person types a message to the bot; returns the update_id."""
        user = self.state.user(user_id, first_name)
        user.has_started = True
        message = self.state.new_message(user, from_bot=False, text=text)
        return self.state.enqueue({"message": message_json(self.state, message)})

    def user_sends_media(
        self, user_id: int, kind: str, *, caption: str = "", first_name: str | None = None
    ) -> int:
        """A person sends a photo, voice note, video, document, ... (a kind in USER_MEDIA)."""
        user = self.state.user(user_id, first_name)
        user.has_started = True
        message = self.state.new_message(user, from_bot=False, text=caption)
        message.media = media_json(kind, f"{user_id}-{message.message_id}")
        return self.state.enqueue({"message": message_json(self.state, message)})

    def user_presses(
        self, user_id: int, message_id: int, callback_data: str, *, strict: bool = True
    ) -> int:
        """A person taps an inline button; with strict=False, even one no longer shown."""
        user = self.state.user(user_id)
        message = self.state.stored.get((user_id, message_id))
        if message is None or not message.from_bot:
            raise ValueError(f"chat {user_id} has no bot message {message_id}")
        shown = {
            button.get("callback_data")
            for row in (message.reply_markup or {}).get("inline_keyboard", [])
            for button in row
        }
        if strict and callback_data not in shown:
            raise ValueError(f"message {message_id} shows no button with data {callback_data!r}")
        callback_id = self.state.next_callback_id()
        self.state.open_callbacks.add(callback_id)
        return self.state.enqueue(
            {
                "callback_query": {
                    "id": callback_id,
                    "from": user.as_json(),
                    "message": message_json(self.state, message),
                    "chat_instance": f"ci{user_id}",
                    "data": callback_data,
                }
            }
        )

    def user_resends(self, update_id: int) -> None:
        """Telegram delivers an update again (as after a crash before it was confirmed)."""
        update = self.state.sent_updates[update_id]
        if update not in self.state.pending and update not in self.state.redeliver:
            self.state.redeliver.append(update)  # an unconfirmed one comes again anyway
        self.state.wake()

    def block_bot(self, user_id: int) -> None:
        """The person blocks the bot: sends to them now fail with 403."""
        self.state.user(user_id).has_blocked_bot = True

    def unblock_bot(self, user_id: int) -> None:
        """The person unblocks the bot."""
        self.state.user(user_id).has_blocked_bot = False

    def inject_fault(self, fault: Fault) -> None:
        """Make matching calls fail or stall (429, 5xx, 403, slow responses)."""
        self.state.faults.append(fault)

    # -- what happened ------------------------------------------------------------------------

    def messages(self, chat_id: int) -> list[EmulatedMessage]:
        """Everything the bot sent to a chat, with each edit as its own entry, oldest first."""
        return list(self.state.log.get(chat_id, []))

    def current_messages(self, chat_id: int) -> list[EmulatedMessage]:
        """The bot's messages in a chat as they look now (after any edits)."""
        latest: dict[int, EmulatedMessage] = {}
        for message in self.state.log.get(chat_id, []):
            latest[message.message_id] = message
        return [latest[k] for k in sorted(latest)]

    def conversation(self, chat_id: int) -> list[StoredMessage]:
        """Both sides of a chat as it looks now, oldest first (what a phone would show)."""
        return sorted(
            (m for (chat, _), m in self.state.stored.items() if chat == chat_id),
            key=lambda m: m.message_id,
        )

    def all_bot_messages(self) -> list[EmulatedMessage]:
        """Every message and edit the bot sent, in every chat."""
        return [m for chat in self.state.log.values() for m in chat]

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        """The bot's answers to button presses."""
        return list(self.state.callback_answers)

    @property
    def calls(self) -> list[tuple[str, dict[str, Any]]]:
        """Every Bot API call the bot made, with its (non-file) parameters."""
        return list(self.state.calls)

    def commands(self, chat_id: int | None = None) -> list[tuple[str, str]]:
        """The command menu published for a chat (or the default one)."""
        return list(self.state.commands.get(f"chat:{chat_id}" if chat_id else "default", []))


def _loggable(params: Params) -> dict[str, Any]:
    return {
        name: params.raw(name)
        for name in params.names()
        if not isinstance(params.raw(name), UploadedFile)
    }
