"""At DEBUG, through every way a Bot API call fails, the bot token and the webhook secret show
up in no log line, no stored row, no chat and no export; nor do message texts or invites."""

from __future__ import annotations

import asyncio
import functools
import io
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Select, select

import bot.runtime_ptb
import scheduler.delivery_outcomes
import tests.e2e.harness
from bot.app import Webhook
from bot.emulator import Fault
from bot.logs import CAPPED_LOGGERS, configure_logging
from bot.ptb_request import AiohttpRequest
from handlers.alerts.export import export_alerts
from handlers.delivery.chat import SendMessage
from handlers.delivery.outbox import queue_delivery
from handlers.people.identity import find_person
from handlers.service.config import ServiceConfig
from storage.database import Database
from storage.models import AuditEvent, Base, OutboxMessage
from tests.e2e.alert_steps import SENIOR, WORKER, setup
from tests.e2e.fixtures import COORDINATOR, MONDAY_MORNING
from tests.e2e.flaky_link import FlakyLink, LinkMode
from tests.e2e.harness import Harness
from tests.e2e.test_webhook import free_port

TOKEN = "123456:TEST-fictional-token-abcdefghijklmnop"
SECRET = "Fictional-webhook-secret-0123456789abcdef"
NEVER_SHOWN = (TOKEN, TOKEN.split(":")[1], SECRET)
MESSAGE = "Fictional private words"  # a message's text: personal data, never logged


@pytest.fixture
def logging_restored() -> Iterator[None]:
    """Give back the root logger and the capped libraries' levels as they were."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    capped = {name: logging.getLogger(name).level for name in CAPPED_LOGGERS}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, old in capped.items():
        logging.getLogger(name).setLevel(old)


async def queue_for_senior(h: Harness, kind: str) -> None:
    async with h.db.unit_of_work() as uow:
        senior = await find_person(uow, "SN1")
        assert senior is not None
        await queue_delivery(
            uow,
            SendMessage(f"{MESSAGE} ({kind})"),
            now=h.clock.now(),
            person_id=senior.id,
            dedupe_key=f"test:{kind}",
        )
    assert h.app is not None
    h.app.dispatcher.wake()
    await h.settle()


async def errors_by_kind(db: Database) -> dict[str, str | None]:
    async with db.unit_of_work() as uow:
        rows = await uow.scalars(
            select(OutboxMessage).where(OutboxMessage.dedupe_key.like("test:%"))
        )
        return {(row.dedupe_key or "")[5:]: row.last_error for row in rows}


async def everything_stored(db: Database) -> str:
    """Every row of every table, and the alerts export, as text."""
    parts = []
    async with db.unit_of_work() as uow:
        for table in Base.metadata.sorted_tables:
            parts += [repr(tuple(row)) for row in await uow.execute(select(table))]
        parts.append(repr(await export_alerts(uow)))
    return "\n".join(parts)


async def familytime(db: Database, tmp: Path, *args: str) -> str:
    """The admin's command, run as they would run it (DEBUG, the real token set)."""
    env = {
        **os.environ,
        "FAMILYTIME_DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
        "FAMILYTIME_TELEGRAM_TOKEN": TOKEN,
        "FAMILYTIME_WEBHOOK_SECRET": SECRET,
        "FAMILYTIME_LOG_LEVEL": "DEBUG",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "from bot.cli import app; app()",
        *args,
        env=env,
        cwd=tmp,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    assert process.returncode == 0, output
    return output.decode()


@pytest.mark.usefixtures("logging_restored")
async def test_no_failure_at_debug_shows_the_token_or_the_webhook_secret(
    database: Database,
    service_config: ServiceConfig,
    runtime: str,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    output = io.StringIO()
    # As `familytime run` does; each gateway adds its token, and the webhook secret, itself.
    configure_logging("DEBUG", stream=output)
    caplog.set_level(logging.DEBUG)
    monkeypatch.setattr(tests.e2e.harness, "TOKEN", TOKEN)
    # Every failure is the last attempt, so each reaches the audit as it would after 12 tries.
    monkeypatch.setattr(scheduler.delivery_outcomes, "MAX_ATTEMPTS", 1)
    # A handshake that never completes gives up before the call's own (read) timeout does.
    quick_connect = functools.partial(AiohttpRequest, connect_timeout=0.3, pool_timeout=0.2)
    monkeypatch.setattr(bot.runtime_ptb, "AiohttpRequest", quick_connect)

    async with Harness(database, service_config, runtime, MONDAY_MORNING) as h:
        link = FlakyLink("127.0.0.1", int(h.root.rsplit(":", 1)[1]))
        h.root = await link.start()  # the bot reaches the emulator through the link
        port = free_port()
        webhook = Webhook(
            url=f"http://127.0.0.1:{port}/telegram/secret-test",
            secret=SECRET,
            listen_host="127.0.0.1",
            listen_port=port,
            path="/telegram/secret-test",
        )
        try:
            # Updates come by webhook, so they arrive while the bot's calls fail.
            await h.start_bot(webhook=webhook, send_timeout=1.0)
            await setup(h)

            await link.set_mode(LinkMode.REFUSE)
            await queue_for_senior(h, "refused")
            # A handshake with no answer, then a request with no answer.
            await link.set_mode(LinkMode.STALL)
            await queue_for_senior(h, "connect-timeout")
            await link.set_mode(LinkMode.SILENT)
            await queue_for_senior(h, "read-timeout")
            await link.set_mode(LinkMode.FORWARD)
            # Telegram's error answers.
            for kind, fault in (
                ("5xx", Fault(502, "Bad Gateway")),
                ("400", Fault(400, "Bad Request: message text is empty")),
                ("429", Fault(429, "Too Many Requests: retry after 1", retry_after=1)),
                ("403", Fault(403, "Forbidden: bot was blocked by the user")),
            ):
                fault.method, fault.chat_id = "sendMessage", SENIOR
                h.emulator.inject_fault(fault)
                await queue_for_senior(h, kind)
            # An alert whose pings cannot connect: into its timeline and the export. Each failed
            # ping climbs the chain at once, so the first failures end the pings' last attempts
            # and the rest wait for a retry (which `outbox status` shows) when the bot stops.
            await h.send(WORKER, "/alert")
            await h.press(WORKER, "Urgent concern")
            h.unread(WORKER)
            await link.set_mode(LinkMode.REFUSE)
            await h.press(WORKER, "Send now", settle=False)
            await until(h.db, select(AuditEvent).where(AuditEvent.action == "alert.ping_failed"))
            monkeypatch.setattr(scheduler.delivery_outcomes, "MAX_ATTEMPTS", 12)
            # A ping waiting to retry after a refused connection (not just any row unsent).
            await until(
                h.db,
                select(OutboxMessage).where(
                    OutboxMessage.status == "pending",
                    OutboxMessage.last_error == "not sent: connection refused",
                ),
            )
            await h.stop_bot()
        finally:
            await link.stop()

        errors = await errors_by_kind(h.db)
        # Telegram's own words (python-telegram-bot drops "Bad Request: ").
        assert (errors.pop("400") or "").lower().endswith("message text is empty"), errors
        assert errors == {
            "refused": "not sent: connection refused",
            # aiogram bounds the whole call by one timeout, so a handshake with no answer is
            # counted as a request that may have arrived.
            "connect-timeout": "not sent: connection timed out"
            if runtime == "ptb"
            else "timed out waiting for the answer",
            "read-timeout": "timed out waiting for the answer",
            "5xx": "HTTP 502",
            "429": "HTTP 429: retry after 1 s",
            "403": "Forbidden: bot was blocked by the user",
        }
        async with h.db.unit_of_work() as uow:
            ping_failures = list(
                await uow.scalars(
                    select(AuditEvent).where(AuditEvent.action == "alert.ping_failed")
                )
            )
        assert {e.details["reason"] for e in ping_failures} == {"not sent: connection refused"}

        stored = await everything_stored(h.db)
        export = await familytime(h.db, tmp_path, "alerts", "export", "--out", "export")
        export += "".join(p.read_text() for p in (tmp_path / "export").iterdir())
        status = await familytime(h.db, tmp_path, "outbox", "status")
        assert "not sent: connection refused" in status
        chats = "\n".join(m.text for m in h.emulator.all_bot_messages())
        logs = caplog.text + "\n" + output.getvalue()

        for secret in NEVER_SHOWN:
            assert secret not in logs
            assert secret not in stored
            assert secret not in export
            assert secret not in status
            assert secret not in chats
        assert MESSAGE not in logs
        assert "/start" not in logs  # invite links' tokens

        # The alert reached nobody; the coordinator hears that the senior blocked the bot.
        h.unread(WORKER)
        (notice,) = h.unread(COORDINATOR)
        assert "SN1" in notice.text or "Sid" in notice.text, notice.text
        h.assert_no_unexpected_messages()


async def until(db: Database, query: Select[Any]) -> None:
    """Wait for the bot to write a row this query finds (it works on its own; no clock moves)."""
    deadline = asyncio.get_running_loop().time() + 15
    while True:
        async with db.unit_of_work() as uow:
            if (await uow.execute(query.limit(1))).first() is not None:
                return
        assert asyncio.get_running_loop().time() < deadline, f"nothing came of {query}"
        await asyncio.sleep(0.05)
