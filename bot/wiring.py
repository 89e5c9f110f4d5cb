"""Build the pieces from settings, once, at start-up."""

from __future__ import annotations

from bot.gateway import Gateway
from bot.settings import Settings
from handlers.service_config import ServiceConfig, load_service_config
from storage.database import Database


def make_gateway(runtime: str, token: str, api_url: str, *, poll_timeout: int = 25) -> Gateway:
    """The Telegram runtime asked for: python-telegram-bot ('ptb') or aiogram."""
    if runtime == "aiogram":
        from bot.runtime_aiogram import AiogramGateway

        return AiogramGateway(token, api_url, poll_timeout=poll_timeout)
    if runtime == "ptb":
        from bot.runtime_ptb import PtbGateway

        return PtbGateway(token, api_url, poll_timeout=poll_timeout)
    raise ValueError(f"unknown runtime {runtime!r} (use ptb or aiogram)")


def load_config(settings: Settings) -> ServiceConfig:
    """The council's service config named by the settings."""
    return load_service_config(settings.service_config_path())


def make_database(settings: Settings) -> Database:
    """The database named by the settings."""
    return Database(settings.database_url)
