"""Build the pieces from settings, once, at start-up."""

from __future__ import annotations

import hashlib
import secrets

from bot.app import Webhook
from bot.gateway import Gateway
from bot.settings import Settings
from handlers.service.config import ServiceConfig, load_service_config
from storage.database import Database


def make_gateway(
    runtime: str, token: str, api_url: str, *, poll_timeout: int = 25, send_timeout: float = 15.0
) -> Gateway:
    """The Telegram runtime asked for: python-telegram-bot ('ptb') or aiogram."""
    if runtime == "aiogram":
        from bot.runtime_aiogram import AiogramGateway

        return AiogramGateway(token, api_url, poll_timeout=poll_timeout, send_timeout=send_timeout)
    if runtime == "ptb":
        from bot.runtime_ptb import PtbGateway

        return PtbGateway(token, api_url, poll_timeout=poll_timeout, send_timeout=send_timeout)
    raise ValueError(f"unknown runtime {runtime!r} (use ptb or aiogram)")


def load_config(settings: Settings) -> ServiceConfig:
    """The council's service config named by the settings."""
    return load_service_config(settings.service_config_path())


def make_database(settings: Settings) -> Database:
    """The database named by the settings."""
    return Database(settings.database_url)


def make_webhook(settings: Settings, url: str | None) -> Webhook | None:
    """Webhook mode when a URL is given (option or setting); the secret is shared or random."""
    url = url or settings.webhook_url
    if url is None:
        return None
    if settings.webhook_secret is not None:
        secret = settings.webhook_secret.get_secret_value()
    else:  # fine for one instance; several behind a load balancer must share the setting
        secret = secrets.token_urlsafe(32)
    host, _, port = settings.webhook_listen.rpartition(":")
    path = "/telegram/" + hashlib.sha256(secret.encode()).hexdigest()[:16]
    return Webhook(
        url=url.rstrip("/") + path,
        secret=secret,
        listen_host=host,
        listen_port=int(port),
        path=path,
    )
