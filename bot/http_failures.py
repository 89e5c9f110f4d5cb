"""A failed Bot API call described in a few words, never by the exception's text.

aiohttp's messages carry the request URL, and a Bot API URL carries the token; what goes into a
log line, the outbox or the audit is only what kind of failure it was.
"""

from __future__ import annotations

import errno
import socket
from dataclasses import dataclass

import aiohttp


@dataclass(frozen=True)
class CallFailure:
    """What went wrong, and whether Telegram may have taken the request anyway."""

    description: str
    may_have_arrived: bool


def describe_failure(exc: BaseException) -> CallFailure:
    """The kind of failure an aiohttp call raised, in words safe to log and store."""
    if isinstance(exc, aiohttp.ConnectionTimeoutError):  # no free connection or no handshake
        return CallFailure("not sent: connection timed out", may_have_arrived=False)
    if isinstance(exc, aiohttp.ClientConnectorError):
        return CallFailure(f"not sent: {_connect_error(exc)}", may_have_arrived=False)
    # Anything else may have happened after the request went out (no answer in time, a reset or
    # a cut-off answer): Telegram may have taken it. This over-counts a kept-alive connection that
    # was already closed, which is the safe side.
    if isinstance(exc, TimeoutError):
        return CallFailure("timed out waiting for the answer", may_have_arrived=True)
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return CallFailure("connection closed before the answer", may_have_arrived=True)
    return CallFailure(f"connection failed ({type(exc).__name__})", may_have_arrived=True)


def http_status(status: int) -> str:
    """An HTTP error answer, by its status alone (its body may echo the request)."""
    return f"HTTP {status}"


def too_many_requests(retry_after: float) -> str:
    """A 429 answer: how long Telegram asked us to wait."""
    return f"HTTP 429: retry after {retry_after:g} s"


def _connect_error(exc: aiohttp.ClientConnectorError) -> str:
    os_error = exc.os_error
    if isinstance(os_error, socket.gaierror):
        return "host not found"
    if isinstance(exc, aiohttp.ClientSSLError):
        return "TLS handshake failed"
    if os_error.errno == errno.ECONNREFUSED:
        return "connection refused"
    if os_error.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
        return "network unreachable"
    return "could not connect"
