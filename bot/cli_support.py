"""What every `familytime` command needs: settings checked once, and a migrated database."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from pydantic import ValidationError

from bot.settings import Settings, load_settings
from bot.wiring import load_config, make_database
from handlers.service_config import ServiceConfigError
from storage.database import Database
from storage.migrate import upgrade_database

T = TypeVar("T")


def checked_settings() -> Settings:
    """Settings and service config, checked; a problem stops the command with exit code 2."""
    try:
        settings = load_settings()
    except ValidationError as exc:
        # Never echo the values: one of them may be the bot token.
        for error in exc.errors(include_input=False):
            field = "_".join(str(part) for part in error["loc"]).upper()
            print(f"Configuration problem: FAMILYTIME_{field}: {error['msg']}")
        raise typer.Exit(2) from None
    try:
        load_config(settings)
    except (ServiceConfigError, ValueError) as exc:
        print(f"Configuration problem: {exc}")
        raise typer.Exit(2) from exc
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # The Bot API URL contains the token: keep HTTP clients' request logs quiet.
    for noisy in ("httpx", "httpcore", "aiohttp.access", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return settings


def with_database(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    """Run `work` against the migrated database, then close it."""

    async def _run() -> T:
        db = make_database(settings)
        try:
            await upgrade_database(db)
            return await work(db)
        finally:
            await db.dispose()

    return asyncio.run(_run())
