"""What the app needs from a Telegram runtime: fetch updates, send deliveries, classify errors."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from handlers.delivery.chat import MEDIA_WORDS, ChatEvent, Delivery, DeliveryResult

ALLOWED_UPDATES = ("message", "callback_query")

RawUpdates = Sequence[tuple[int, ChatEvent | None]]


class Gateway(Protocol):
    """One Telegram runtime (python-telegram-bot or aiogram) behind the same small surface."""

    name: str

    async def start(self) -> str:
        """Connect, check the token with getMe, and return the bot's username."""
        ...

    async def fetch_updates(self, offset: int | None, timeout: int) -> RawUpdates:
        """Long-poll getUpdates; passing `offset` acknowledges every update before it."""
        ...

    async def deliver(self, chat_id: int, delivery: Delivery) -> DeliveryResult:
        """Send one delivery and classify the outcome; never raises for Telegram errors."""
        ...

    def parse_update(self, data: Mapping[str, Any]) -> ChatEvent | None:
        """An update POSTed to the webhook, read with this runtime's own types."""
        ...

    async def use_webhook(self, url: str | None, secret: str | None) -> None:
        """Register the webhook (with its secret token), or remove it to poll with getUpdates."""
        ...

    async def close(self) -> None:
        """Release HTTP sessions."""
        ...


def classify_bad_request(description: str) -> DeliveryResult:
    """Telegram's 400s: a few are harmless, the rest will not succeed by retrying."""
    text = description.lower()
    if "message is not modified" in text:
        return DeliveryResult(ok=True, error=description)
    gone = "chat not found" in text or "user is deactivated" in text
    return DeliveryResult(ok=False, is_permanent=True, is_unreachable=gone, error=description)


def forbidden(description: str) -> DeliveryResult:
    """403: the person blocked the bot or deleted their account; retrying will not help."""
    return DeliveryResult(ok=False, is_permanent=True, is_unreachable=True, error=description)


def transient(description: str, retry_after: float | None = None) -> DeliveryResult:
    """A failure worth retrying later (5xx, time-outs, 429)."""
    return DeliveryResult(ok=False, retry_after=retry_after, error=description)


def timed_out(description: str) -> DeliveryResult:
    """No answer in time after the request went out: retry, but it may have arrived already."""
    return DeliveryResult(ok=False, error=description, may_have_arrived=True)


def event_from_update(update: Mapping[str, Any]) -> ChatEvent | None:
    """An update in Bot API JSON as the core's event; only private messages and buttons count.

    Control characters (NUL and the like; newlines and tabs stay) are taken out of everything a
    person typed here, at the edge: PostgreSQL can't store a NUL, and none of them mean anything.
    """
    update_id = int(update["update_id"])
    query = update.get("callback_query")
    if query is not None:
        message = query.get("message") or {}
        chat = message.get("chat") or {}
        if chat.get("type") != "private":
            return None
        return ChatEvent(
            update_id=update_id,
            telegram_user_id=int(query["from"]["id"]),
            chat_id=int(chat["id"]),
            first_name=clean_text(str(query["from"].get("first_name", ""))),
            callback_id=str(query["id"]),
            callback_data=clean_text(str(query.get("data") or "")),
            message_id=int(message["message_id"]),
        )
    message = update.get("message")
    if message is None or "from" not in message or message["chat"].get("type") != "private":
        return None
    return ChatEvent(
        update_id=update_id,
        telegram_user_id=int(message["from"]["id"]),
        chat_id=int(message["chat"]["id"]),
        first_name=clean_text(str(message["from"].get("first_name", ""))),
        text=clean_text(str(message.get("text") or message.get("caption") or "")),
        media=next((kind for kind in MEDIA_WORDS if message.get(kind)), None),
    )


_KEPT = frozenset("\n\t")


def clean_text(text: str) -> str:
    """The text without control characters (category Cc) other than newline and tab."""
    if text.isprintable():  # the usual case, and quick
        return text
    text = text.replace("\r\n", "\n")
    return "".join(c for c in text if c in _KEPT or unicodedata.category(c) != "Cc")
