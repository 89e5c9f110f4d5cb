"""Settings come from FAMILYTIME_* variables or .env, checked once, the token kept secret."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.settings import EXAMPLE_SERVICE_CONFIG, Settings, async_database_url
from bot.wiring import make_webhook


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in (
        "DATABASE_URL",
        "TELEGRAM_TOKEN",
        "TELEGRAM_API_URL",
        "RUNTIME",
        "SERVICE_CONFIG",
        "WEBHOOK_URL",
        "WEBHOOK_SECRET",
        "WEBHOOK_LISTEN",
        "HEALTH_LISTEN",
    ):
        monkeypatch.delenv(f"FAMILYTIME_{name}", raising=False)


def test_defaults_run_offline_on_sqlite_with_the_example_config() -> None:
    settings = Settings()
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.telegram_token is None and settings.runtime == "ptb"
    assert settings.telegram_api_url == "https://api.telegram.org"
    assert settings.service_config_path() == EXAMPLE_SERVICE_CONFIG


def test_plain_database_urls_get_async_drivers() -> None:
    assert async_database_url("postgresql://u@h/db") == "postgresql+asyncpg://u@h/db"
    assert async_database_url("postgres://u@h/db") == "postgresql+asyncpg://u@h/db"
    assert async_database_url("sqlite:///x.db") == "sqlite+aiosqlite:///x.db"


def test_the_token_is_secret_and_can_come_from_dot_env(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("FAMILYTIME_TELEGRAM_TOKEN=123456:ABCdef-ghi_jklmnop\n")
    settings = Settings()
    assert settings.telegram_token is not None
    assert settings.telegram_token.get_secret_value() == "123456:ABCdef-ghi_jklmnop"
    assert "ABCdef" not in repr(settings) and "ABCdef" not in str(settings.telegram_token)


def test_an_empty_token_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAMILYTIME_TELEGRAM_TOKEN", "  ")
    assert Settings().telegram_token is None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("RUNTIME", "telethon"),
        ("TELEGRAM_API_URL", "api.telegram.org"),
        ("TELEGRAM_TOKEN", "not a token"),
        ("TICK_SECONDS", "0"),
        ("WEBHOOK_SECRET", "too-short"),
        ("WEBHOOK_SECRET", "has spaces and is long enough to pass the length"),
        ("WEBHOOK_LISTEN", "8080"),
    ],
)
def test_unusable_settings_are_refused(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(f"FAMILYTIME_{name}", value)
    with pytest.raises(ValidationError):
        Settings()


def test_a_trailing_slash_on_the_api_url_is_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAMILYTIME_TELEGRAM_API_URL", "http://127.0.0.1:8081/")
    assert Settings().telegram_api_url == "http://127.0.0.1:8081"


def test_webhook_mode_shares_the_configured_secret_and_hides_the_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert make_webhook(Settings(), None) is None
    secret = "s" * 40
    monkeypatch.setenv("FAMILYTIME_WEBHOOK_SECRET", secret)
    monkeypatch.setenv("FAMILYTIME_WEBHOOK_LISTEN", "127.0.0.1:9443")
    hook = make_webhook(Settings(), "https://bot.example.org/")
    assert hook is not None and hook.secret == secret
    assert hook.url == f"https://bot.example.org{hook.path}" and hook.path.startswith("/telegram/")
    assert secret not in hook.url and (hook.listen_host, hook.listen_port) == ("127.0.0.1", 9443)


def test_health_and_metrics_listen_on_loopback_unless_told_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert Settings().health_address() == ("127.0.0.1", 9090)
    monkeypatch.setenv("FAMILYTIME_HEALTH_LISTEN", "10.0.0.5:9100")
    assert Settings().health_address() == ("10.0.0.5", 9100)
    monkeypatch.setenv("FAMILYTIME_HEALTH_LISTEN", " ")
    assert Settings().health_address() is None  # blank turns them off
    monkeypatch.setenv("FAMILYTIME_HEALTH_LISTEN", "9090")
    with pytest.raises(ValidationError, match="host:port"):
        Settings()
