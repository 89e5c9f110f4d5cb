"""Logging for the `familytime` process: what may be logged, at any level."""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

from bot.redaction import RedactingFilter, protect

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# At DEBUG (and sqlalchemy.engine and aiosqlite at INFO) these log request URLs (with the token),
# call parameters and answers (message texts, invite tokens, the webhook secret), SQL parameters
# and result rows. Whatever FAMILYTIME_LOG_LEVEL says, they log only warnings and errors.
CAPPED_LOGGERS = (
    "telegram",
    "aiogram",
    "aiohttp",
    "httpx",
    "httpcore",
    "sqlalchemy",
    "aiosqlite",
    "asyncpg",
    "apscheduler",
    "alembic",  # not secret, but "Running upgrade" on every command buries its answer
)


def configure_logging(level: str, *secrets: str | None, stream: TextIO | None = None) -> None:
    """Log to stderr (or `stream`) at `level`, libraries capped, `secrets` redacted everywhere."""
    protect(*secrets)
    handler: logging.StreamHandler[Any] = logging.StreamHandler(stream or _CurrentStderr())
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    for old in root.handlers[:]:
        if isinstance(old, logging.StreamHandler) and any(
            isinstance(f, RedactingFilter) for f in old.filters
        ):
            root.removeHandler(old)  # configured before (tests): replace, don't log twice
    root.addHandler(handler)
    root.setLevel(level)
    cap = max(logging.WARNING, root.level)
    for name in CAPPED_LOGGERS:
        logging.getLogger(name).setLevel(cap)


class _CurrentStderr:
    """Whatever `sys.stderr` is when a line is written (a test's CLI runner swaps it)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()
