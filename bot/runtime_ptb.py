"""The python-telegram-bot runtime: its Bot client fetches updates and renders deliveries."""

from __future__ import annotations

import datetime as dtm
import functools
import logging
import warnings
from collections.abc import Mapping
from typing import Any

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Update,
)
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError, TimedOut

from bot.gateway import (
    ALLOWED_UPDATES,
    RawUpdates,
    classify_bad_request,
    event_from_update,
    forbidden,
    timed_out,
    transient,
)
from bot.http_failures import too_many_requests
from bot.ptb_request import AiohttpRequest
from bot.redaction import protect, redact
from handlers.delivery.chat import (
    AnswerButton,
    ChatEvent,
    Delivery,
    DeliveryResult,
    EditMessage,
    Keyboard,
    SendDocument,
    SendMessage,
    SetCommands,
)

log = logging.getLogger(__name__)

# A claim sends up to 20 messages at once and alert pings may start beside them: each gets a
# connection at once, rather than wait for one behind the others (and fail a try if that takes
# longer than the pool and connect timeouts).
SEND_CONNECTIONS = 24


class PtbGateway:
    """Telegram through python-telegram-bot's `Bot`."""

    name = "ptb"

    def __init__(
        self, token: str, api_url: str, *, poll_timeout: int = 25, send_timeout: float = 15.0
    ) -> None:
        protect(token)
        self._bot = Bot(
            token,
            base_url=f"{api_url}/bot",
            base_file_url=f"{api_url}/file/bot",
            request=AiohttpRequest(connections=SEND_CONNECTIONS, read_timeout=send_timeout),
            get_updates_request=AiohttpRequest(connections=1, read_timeout=poll_timeout + 10),
        )

    async def start(self) -> str:
        """Connect, check the token with getMe, and return the bot's username."""
        await self._bot.initialize()
        return self._bot.username

    async def close(self) -> None:
        """Release HTTP sessions."""
        await self._bot.shutdown()

    async def fetch_updates(self, offset: int | None, timeout: int) -> RawUpdates:
        """Long-poll getUpdates; passing `offset` acknowledges every update before it."""
        updates = await self._bot.get_updates(
            offset=offset, timeout=timeout, allowed_updates=list(ALLOWED_UPDATES)
        )
        return [(u.update_id, to_event(u)) for u in updates]

    def parse_update(self, data: Mapping[str, Any]) -> ChatEvent | None:
        """An update POSTed to the webhook, read with python-telegram-bot's types."""
        update = Update.de_json(dict(data), self._bot)
        return to_event(update) if update is not None else None

    async def use_webhook(self, url: str | None, secret: str | None) -> None:
        """Register the webhook (with its secret token), or remove it to poll with getUpdates."""
        if url is None:
            await self._bot.delete_webhook()
        else:
            protect(secret)
            await self._bot.set_webhook(
                url, secret_token=secret, allowed_updates=list(ALLOWED_UPDATES)
            )

    async def deliver(self, chat_id: int, delivery: Delivery) -> DeliveryResult:
        """Send one delivery and classify the outcome; never raises for Telegram errors."""
        try:
            return await self._deliver(chat_id, delivery)
        # Error texts are stored and logged: Telegram's description or the kind of failure
        # (ptb_request words them), redacted in case a server echoed the token.
        except RetryAfter as exc:
            seconds = _seconds(exc)
            return transient(too_many_requests(seconds), seconds)
        except Forbidden as exc:
            return forbidden(redact(exc.message))
        except BadRequest as exc:
            return classify_bad_request(redact(exc.message))
        except TimedOut as exc:  # the request went out: Telegram may have taken it
            return timed_out(redact(exc.message))
        except TelegramError as exc:  # NetworkError (one that never left: see ptb_request), 5xx
            return transient(redact(exc.message))

    async def _deliver(self, chat_id: int, delivery: Delivery) -> DeliveryResult:
        if isinstance(delivery, SendMessage):
            sent = await self._bot.send_message(
                chat_id,
                delivery.text,
                reply_markup=_markup(delivery.keyboard),
                protect_content=delivery.protect_content,
            )
            return DeliveryResult(ok=True, message_id=sent.message_id)
        if isinstance(delivery, SendDocument):
            sent = await self._bot.send_document(
                chat_id,
                InputFile(delivery.content, filename=delivery.filename),
                caption=delivery.caption or None,
                reply_markup=_markup(delivery.keyboard),
                protect_content=delivery.protect_content,
            )
            return DeliveryResult(ok=True, message_id=sent.message_id)
        if isinstance(delivery, EditMessage):
            await self._bot.edit_message_text(
                delivery.text,
                chat_id=chat_id,
                message_id=delivery.message_id,
                reply_markup=_markup(delivery.keyboard),
            )
            return DeliveryResult(ok=True, message_id=delivery.message_id)
        if isinstance(delivery, AnswerButton):
            await self._bot.answer_callback_query(delivery.callback_id, text=delivery.text)
            return DeliveryResult(ok=True)
        if isinstance(delivery, SetCommands):
            await self._bot.set_my_commands(
                [BotCommand(c, d) for c, d in delivery.commands],
                scope=BotCommandScopeChat(chat_id),
            )
            return DeliveryResult(ok=True)
        raise TypeError(delivery)


def to_event(update: Update) -> ChatEvent | None:
    """A PTB update as the core's event (None for anything the bot does not handle)."""
    return event_from_update(update.to_dict())


@functools.lru_cache(maxsize=256)  # the markup is immutable; the main menu goes with most replies
def _markup(keyboard: Keyboard) -> InlineKeyboardMarkup | None:
    if not keyboard:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.text, callback_data=b.data) for b in row] for row in keyboard]
    )


def _seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)
