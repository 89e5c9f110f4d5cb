"""Process settings from `FAMILYTIME_*` environment variables and `.env`, built once."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

EXAMPLE_SERVICE_CONFIG = Path(__file__).with_name("service.example.toml")
_TOKEN = re.compile(r"\d+:[A-Za-z0-9_-]{8,}")
_SECRET = re.compile(r"[A-Za-z0-9_-]{32,256}")


def async_database_url(url: str) -> str:
    """Give plain SQLite and PostgreSQL URLs the async driver SQLAlchemy needs."""
    for plain, driver in (
        ("postgres://", "postgresql+asyncpg://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url


class Settings(BaseSettings):
    """Where the data lives, how to reach Telegram, and which service config to use."""

    model_config = SettingsConfigDict(
        env_prefix="FAMILYTIME_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = "sqlite+aiosqlite:///./familytime.sqlite3"
    telegram_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    runtime: Literal["ptb", "aiogram"] = "ptb"
    service_config: Path | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    tick_seconds: float = Field(default=5.0, gt=0, le=60)
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "0.0.0.0:8080"
    # /healthz and /metrics, apart from the webhook and unauthenticated: loopback unless asked.
    health_listen: str | None = "127.0.0.1:9090"

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        return async_database_url(value.strip())

    @field_validator("telegram_api_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _strong_secret(cls, value: SecretStr | None) -> SecretStr | None:
        # Several instances must share one secret; a guessable one would let anyone post updates.
        if value is not None and not _SECRET.fullmatch(value.get_secret_value()):
            raise ValueError("use 32 to 256 characters of letters, digits, _ and -")
        return value

    @field_validator("webhook_listen", "health_listen")
    @classmethod
    def _host_and_port(cls, value: str | None) -> str | None:
        if value is None:
            return None
        host, _, port = value.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("use host:port, e.g. 127.0.0.1:9090")
        return value

    @field_validator(
        "telegram_token", "webhook_secret", "webhook_url", "health_listen", mode="before"
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("telegram_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        # Fail at start-up, not at the first call, when a token was pasted wrongly.
        if value is not None and not _TOKEN.fullmatch(value.get_secret_value().strip()):
            raise ValueError("does not look like a token from @BotFather (digits:letters)")
        return value

    def health_address(self) -> tuple[str, int] | None:
        """Where /healthz and /metrics listen, or None when turned off (set blank)."""
        if self.health_listen is None:
            return None
        host, _, port = self.health_listen.rpartition(":")
        return host.strip("[]"), int(port)

    def service_config_path(self) -> Path:
        """The council's service config, or the documented example when none is set."""
        return self.service_config or EXAMPLE_SERVICE_CONFIG


def load_settings() -> Settings:
    """Read the settings from the environment and `.env` (call once, at start-up)."""
    return Settings()
