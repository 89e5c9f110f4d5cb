"""The aiogram runtime: its Bot client fetches updates and renders deliveries."""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from typing import Any

from aiogram import Bot
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
)
from aiogram.methods import (
    AnswerCallbackQuery,
    DeleteWebhook,
    EditMessageText,
    GetMe,
    GetUpdates,
    SetMyCommands,
    SetWebhook,
)
from aiogram.methods import SendDocument as SendDocumentMethod
from aiogram.methods import SendMessage as SendMessageMethod
from aiogram.methods.base import Response
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)

from bot.aiogram_session import CallFailed, RedactingAiohttpSession
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

# aiogram reads every answer as `Response[<what the method returns>]`, a pydantic generic model
# built on first use and cached only weakly: once no answer refers to it, the garbage collector
# takes it, and the next answer builds it again (several milliseconds for `Message`; about 160
# times in 3,000 replies under load). Holding the ones this bot uses keeps them.
_RESPONSE_MODELS = tuple(
    Response[method.__returning__]  # type: ignore[name-defined]
    for method in (
        SendMessageMethod,
        SendDocumentMethod,
        EditMessageText,
        AnswerCallbackQuery,
        SetMyCommands,
        GetUpdates,
        GetMe,
        DeleteWebhook,
        SetWebhook,
    )
)


class AiogramGateway:
    """Telegram through aiogram's `Bot`."""

    name = "aiogram"

    def __init__(
        self, token: str, api_url: str, *, poll_timeout: int = 25, send_timeout: float = 15.0
    ) -> None:
        protect(token)
        session = RedactingAiohttpSession(
            api=TelegramAPIServer.from_base(api_url), timeout=send_timeout
        )
        self._bot = Bot(token, session=session)
        self._poll_timeout = poll_timeout

    async def start(self) -> str:
        """Connect, check the token with getMe, and return the bot's username."""
        me = await self._bot.get_me()
        return me.username or ""

    async def close(self) -> None:
        """Release HTTP sessions."""
        await self._bot.session.close()

    async def fetch_updates(self, offset: int | None, timeout: int) -> RawUpdates:
        """Long-poll getUpdates; passing `offset` acknowledges every update before it."""
        updates = await self._bot.get_updates(
            offset=offset,
            timeout=timeout,
            allowed_updates=list(ALLOWED_UPDATES),
            request_timeout=timeout + 10,
        )
        return [(u.update_id, to_event(u)) for u in updates]

    def parse_update(self, data: Mapping[str, Any]) -> ChatEvent | None:
        """An update POSTed to the webhook, read with aiogram's types."""
        return to_event(Update.model_validate(dict(data), context={"bot": self._bot}))

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
        # (aiogram_session words them), redacted in case a server echoed the token.
        except TelegramRetryAfter as exc:
            seconds = float(exc.retry_after)
            return transient(too_many_requests(seconds), seconds)
        except TelegramForbiddenError as exc:
            return forbidden(redact(exc.message))
        except TelegramBadRequest as exc:
            return classify_bad_request(redact(exc.message))
        except CallFailed as exc:
            if exc.may_have_arrived:
                return timed_out(exc.message)
            return transient(exc.message)
        except TelegramAPIError as exc:  # server errors ("HTTP 502")
            return transient(redact(exc.message))
        except TimeoutError:
            return transient("timed out")

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
                BufferedInputFile(delivery.content, filename=delivery.filename),
                caption=delivery.caption or None,
                reply_markup=_markup(delivery.keyboard),
                protect_content=delivery.protect_content,
            )
            return DeliveryResult(ok=True, message_id=sent.message_id)
        if isinstance(delivery, EditMessage):
            await self._bot.edit_message_text(
                text=delivery.text,
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
                [BotCommand(command=c, description=d) for c, d in delivery.commands],
                scope=BotCommandScopeChat(chat_id=chat_id),
            )
            return DeliveryResult(ok=True)
        raise TypeError(delivery)


def to_event(update: Update) -> ChatEvent | None:
    """A aiogram update as the core's event (None for anything the bot does not handle)."""
    return event_from_update(update.model_dump(mode="json", by_alias=True, exclude_none=True))


@functools.lru_cache(maxsize=256)  # the markup is immutable; the main menu goes with most replies
def _markup(keyboard: Keyboard) -> InlineKeyboardMarkup | None:
    if not keyboard:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=b.text, callback_data=b.data) for b in row]
            for row in keyboard
        ]
    )
