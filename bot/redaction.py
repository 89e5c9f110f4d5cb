"""The bot token and the webhook secret kept out of every log line and error text.

The HTTP layer never lets a URL (which holds the token) into an error, and the loggers of the
libraries that print request details are capped (`bot/logs.py`); this is the safety net under
both: the secrets in use, and anything shaped like a bot token, are replaced wherever they show.
"""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"

# A bot token is the bot's numeric id, a colon and 35 letters, digits, _ or -; fewer here, so a
# test's or a mistyped token is caught too, but not a time ("10:30") or a key ("alert:7:level").
_TOKEN_SHAPE = re.compile(r"\d{3,}:[A-Za-z0-9_-]{16,}")
_SHORTEST_SECRET = 8

_secrets: set[str] = set()


def protect(*secrets: str | None) -> None:
    """Redact these values from now on, in this process (the token, the webhook secret)."""
    for secret in secrets:
        if secret and len(secret) >= _SHORTEST_SECRET:
            _secrets.add(secret)


def redact(text: str) -> str:
    """The text with every protected secret and anything shaped like a bot token replaced."""
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, REDACTED)
    return _TOKEN_SHAPE.sub(REDACTED, text)


class RedactingFilter(logging.Filter):
    """Redact a record's message, traceback and stack before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: leave it to the handler to report, redacted below
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
