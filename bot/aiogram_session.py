"""aiogram's HTTP calls with failures worded by their kind, never by aiohttp's message.

aiogram's `AiohttpSession` raises `TelegramNetworkError("ClientConnectorError: …")` with
aiohttp's text, which can carry the request URL (and so the token), and chains aiohttp's
exception, which a logged traceback would print.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import ClientDecodeError, TelegramNetworkError, TelegramServerError
from aiogram.methods.base import TelegramType

from bot.http_failures import CallFailure, describe_failure, http_status

if TYPE_CHECKING:
    from aiogram.client.bot import Bot
    from aiogram.methods import Response, TelegramMethod


class CallFailed(TelegramNetworkError):
    """A call that got no usable answer; it may have reached Telegram if `may_have_arrived`."""

    def __init__(self, method: TelegramMethod[Any], failure: CallFailure) -> None:
        super().__init__(method=method, message=failure.description)
        self.may_have_arrived = failure.may_have_arrived


class RedactingAiohttpSession(AiohttpSession):
    """aiogram's aiohttp session; what it raises says what failed, not where it was sent."""

    async def close(self) -> None:
        """Close at once when the Bot API is plain HTTP (a local server or the emulator):
        aiogram waits 250 ms after closing for TLS connections to shut down, and there are
        none. Over HTTPS, as Telegram's own server is, it waits as aiogram does."""
        if self.api.base.startswith("https://"):
            await super().close()
        elif self._session is not None and not self._session.closed:
            await self._session.close()

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        try:
            return await super().make_request(bot, method, timeout)
        except CallFailed:
            raise
        except TelegramNetworkError as exc:
            cause = exc.__cause__
            failure = (
                describe_failure(cause)
                if cause is not None
                else CallFailure("connection failed", may_have_arrived=True)
            )
            raise CallFailed(method, failure) from None

    def check_response(
        self, bot: Bot, method: TelegramMethod[TelegramType], status_code: int, content: str
    ) -> Response[TelegramType]:
        if status_code >= 500:  # its description could be a proxy's page quoting the request
            raise TelegramServerError(method=method, message=http_status(status_code))
        try:
            return super().check_response(bot, method, status_code, content)
        except ClientDecodeError:  # its text quotes the body, which is not a Bot API answer
            failure = CallFailure(f"{http_status(status_code)}: not a Bot API answer", True)
            raise CallFailed(method, failure) from None
