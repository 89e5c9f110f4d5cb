"""python-telegram-bot's HTTP calls made with aiohttp, through its documented `BaseRequest`.

Its default (`HTTPXRequest`) checks every idle connection in its pool on each request, which
under load cost the bot more than its own work did; aiohttp's pool hands out an idle one at once.
Failures are raised with a description of their kind only: aiohttp's own messages (and a proxy's
error page) can carry the request URL, which holds the token.
"""

from __future__ import annotations

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.http_failures import describe_failure, http_status


class AiohttpRequest(BaseRequest):
    """Bot API calls over one aiohttp session with at most `connections` connections."""

    __slots__ = ("_connect", "_connections", "_pool", "_read", "_session")

    def __init__(
        self,
        *,
        connections: int,
        read_timeout: float,
        connect_timeout: float = 5.0,
        pool_timeout: float = 1.0,
    ) -> None:
        self._connections = connections
        self._read = read_timeout
        self._connect = connect_timeout
        self._pool = pool_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connections),
                timeout=aiohttp.ClientTimeout(total=None),
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,  # see `total` below
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        read = _given(read_timeout, self._read)
        connect = _given(connect_timeout, self._connect)
        pool = _given(pool_timeout, self._pool)
        timeout = aiohttp.ClientTimeout(
            # aiohttp's `connect` covers the wait for a free connection and making a new one.
            connect=_total(pool, connect),
            sock_connect=connect,
            sock_read=read,
            # aiohttp has no write timeout: the whole call is bounded by the read timeout, so a
            # send is given up after it, as the dispatcher's lease expects.
            total=read,
        )
        try:
            async with self._session.request(
                method,
                url,
                data=_body(request_data),
                headers={"User-Agent": self.USER_AGENT},
                timeout=timeout,
            ) as response:
                status, payload = response.status, await response.read()
        except (TimeoutError, aiohttp.ClientError) as exc:
            failure = describe_failure(exc)
            # `from None`: a traceback logged later must not show aiohttp's message either.
            if failure.may_have_arrived:
                raise TimedOut(failure.description) from None
            raise NetworkError(failure.description) from None
        if status >= 500:  # python-telegram-bot would quote a body that is not JSON
            raise NetworkError(http_status(status))
        return status, payload


def _body(request_data: RequestData | None) -> dict[str, str] | aiohttp.FormData | None:
    """The form fields, and with a file (a calendar file, a report) the multipart body."""
    if request_data is None:
        return None
    if not request_data.contains_files:
        return request_data.json_parameters
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for part, (file_name, content, media_type) in request_data.multipart_data.items():
        data = content if isinstance(content, bytes) else content.read()
        form.add_field(part, data, filename=file_name, content_type=media_type)
    return form


def _total(*timeouts: float | None) -> float | None:
    """The sum of these timeouts, or None (no limit) if any of them is None."""
    total = 0.0
    for timeout in timeouts:
        if timeout is None:
            return None
        total += timeout
    return total


def _given(timeout: object, default: float) -> float | None:
    """The timeout a call passed (None: no limit), or ours if it passed none (a DefaultValue)."""
    return timeout if timeout is None or isinstance(timeout, int | float) else default
