"""What every `familytime` command needs: settings checked once, and a migrated database."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from pydantic import ValidationError

from bot.logs import configure_logging
from bot.settings import Settings, load_settings
from bot.wiring import load_config, make_database
from handlers.service.config import ServiceConfigError
from storage.database import Database
from storage.migrate import upgrade_database

T = TypeVar("T")

SANDBOX_DATABASE_URL = "sqlite+aiosqlite:///./sandbox.sqlite3"
_database_url: list[str] = []  # set by `familytime --sandbox ...` for this one command


def use_sandbox_database(is_wanted: bool) -> None:
    """Make this command act on the sandbox's database (where `make run` keeps its demo)."""
    _database_url[:] = [SANDBOX_DATABASE_URL] if is_wanted else []


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
    if _database_url:
        settings = settings.model_copy(update={"database_url": _database_url[0]})
    try:
        load_config(settings)
    except (ServiceConfigError, ValueError) as exc:
        print(f"Configuration problem: {exc}")
        raise typer.Exit(2) from exc
    configure_logging(
        settings.log_level,
        *(s.get_secret_value() for s in (settings.telegram_token, settings.webhook_secret) if s),
    )
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
