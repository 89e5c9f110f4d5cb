"""The logging safety net: secrets redacted from every part of a record; libraries capped."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot.logs import CAPPED_LOGGERS, configure_logging
from bot.redaction import REDACTED, protect, redact

TOKEN = "654321:TEST-fictional-unit-token-qrstuvwxyz"
SECRET = "Fictional-unit-webhook-secret-abcdef0123"


@pytest.fixture
def output() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    capped = {name: logging.getLogger(name).level for name in CAPPED_LOGGERS}
    stream = io.StringIO()
    configure_logging("DEBUG", TOKEN, SECRET, stream=stream)
    yield stream
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, old in capped.items():
        logging.getLogger(name).setLevel(old)


def test_a_protected_secret_and_anything_token_shaped_are_redacted() -> None:
    protect(SECRET)
    other = "987654321:AAH-someone-elses-token-0123456789"
    text = redact(f"url=/bot{other}/getMe secret={SECRET} at 10:30 key=alert:7:level:2")
    assert text == f"url=/bot{REDACTED}/getMe secret={REDACTED} at 10:30 key=alert:7:level:2"


def test_messages_arguments_and_tracebacks_are_redacted(output: io.StringIO) -> None:
    log = logging.getLogger("familytime.unit")
    log.warning("calling %s with %r", f"http://x/bot{TOKEN}/sendMessage", {"secret": SECRET})
    try:
        raise RuntimeError(f"Connection timeout to host http://x/bot{TOKEN}/sendMessage")
    except RuntimeError:
        log.exception("send failed")
    try:
        raise ValueError("outer") from OSError(SECRET)
    except ValueError:
        log.error("chained", exc_info=True, stack_info=True)
    text = output.getvalue()
    assert "send failed" in text and "RuntimeError: Connection timeout" in text
    assert TOKEN not in text and TOKEN.split(":")[1] not in text and SECRET not in text


def test_libraries_log_no_request_details_even_at_debug(output: io.StringIO) -> None:
    for name in ("telegram.Bot", "aiogram.event", "aiohttp.client", "sqlalchemy.engine.Engine"):
        logging.getLogger(name).debug("Calling sendMessage with text Fictional words")
        logging.getLogger(name).info("INSERT INTO people (Fictional words)")
    logging.getLogger("telegram.Bot").warning("a library warning still shows")
    logging.getLogger("familytime.unit").debug("our own debug line shows")
    text = output.getvalue()
    assert "Fictional words" not in text
    assert "a library warning still shows" in text and "our own debug line shows" in text
