"""The administrator's `familytime` commands, run as a person would, against an SQLite file."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from handlers.delivery.chat import SendMessage
from handlers.delivery.outbox import queue_delivery
from handlers.service.clock import SystemClock
from storage.database import Database
from storage.models import Priority
from tests.e2e.fixtures import CHILDREN, PEOPLE, SESSIONS

runner = CliRunner()


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("TELEGRAM_TOKEN", "SERVICE_CONFIG", "RUNTIME", "TELEGRAM_API_URL"):
        monkeypatch.delenv(f"FAMILYTIME_{name}", raising=False)
    monkeypatch.setenv("FAMILYTIME_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    (tmp_path / "people.csv").write_text(PEOPLE)
    (tmp_path / "children.csv").write_text(CHILDREN)
    (tmp_path / "sessions.csv").write_text(SESSIONS)
    return tmp_path


def _import(*extra: str) -> tuple[int, str]:
    result = runner.invoke(
        app,
        ["import", "--people", "people.csv", "--children", "children.csv", *extra],
    )
    return result.exit_code, result.output


def test_help_lists_every_command() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("db", "import", "invite", "people", "run", "sandbox"):
        assert command in result.output


def test_import_then_list_people(workdir: Path) -> None:
    code, output = _import("--sessions", "sessions.csv")
    assert code == 0, output
    assert "Imported 6 people, 3 children, 2 sessions." in output
    listed = runner.invoke(app, ["people", "list"]).output
    assert "C1" in listed and "carer" in listed and "not linked" in listed


def test_a_bad_import_names_rows_and_changes_nothing(workdir: Path) -> None:
    (workdir / "people.csv").write_text(PEOPLE + "X1,Xavier,Bad,wizard,,\n")
    code, output = _import()
    assert code == 1
    assert "Nothing was imported" in output and "people.csv row 8: role" in output
    assert "C1" not in runner.invoke(app, ["people", "list"]).output


def test_invite_prints_a_single_use_deep_link(workdir: Path) -> None:
    assert _import()[0] == 0
    result = runner.invoke(app, ["invite", "C1", "--bot-username", "@example_bot"])
    assert result.exit_code == 0, result.output
    link = result.output.splitlines()[0]
    assert link.startswith("https://t.me/example_bot?start=")
    assert 20 < len(link.rsplit("=", 1)[1]) <= 64
    assert "valid for 72 hours" in result.output
    unknown = runner.invoke(app, ["invite", "NOBODY"])
    assert unknown.exit_code == 1 and "No active person" in unknown.output


def test_deactivate_cuts_access_and_stops_new_invites(workdir: Path) -> None:
    assert _import()[0] == 0
    result = runner.invoke(app, ["people", "deactivate", "C1"])
    assert result.exit_code == 0 and "deactivated" in result.output
    assert "deactivated" in runner.invoke(app, ["people", "list"]).output
    assert runner.invoke(app, ["invite", "C1"]).exit_code == 1


def test_a_bad_service_config_stops_with_the_field_named(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = workdir / "service.toml"
    bad.write_text('service_name = "X"\ntimezone = "Mars/Olympus"\n')
    monkeypatch.setenv("FAMILYTIME_SERVICE_CONFIG", str(bad))
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 2
    assert "service.toml" in result.output and "timezone" in result.output


def test_rota_add_list_and_remove(workdir: Path) -> None:
    assert _import()[0] == 0
    added = runner.invoke(
        app,
        [
            "rota",
            "add",
            "W1",
            "--venue",
            "coffee-hall",
            "--start",
            "2026-11-23 09:00",
            "--end",
            "2026-11-23 17:00",
        ],
    )
    assert added.exit_code == 0 and "Added shift 1" in added.output, added.output
    listed = runner.invoke(app, ["rota", "list", "--day", "2026-11-23"]).output
    assert "W1" in listed and "coffee-hall" in listed and "09:00–17:00" in listed
    backwards = runner.invoke(
        app,
        [
            "rota",
            "add",
            "W1",
            "--venue",
            "coffee-hall",
            "--start",
            "2026-11-23 17:00",
            "--end",
            "2026-11-23 09:00",
        ],
    )
    assert backwards.exit_code == 1 and "end after it starts" in backwards.output
    nowhere = runner.invoke(
        app,
        [
            "rota",
            "add",
            "W1",
            "--venue",
            "atlantis",
            "--start",
            "2026-11-23 09:00",
            "--end",
            "2026-11-23 17:00",
        ],
    )
    assert nowhere.exit_code == 2 and "Unknown venue" in nowhere.output
    assert runner.invoke(app, ["rota", "remove", "1"]).exit_code == 0
    assert "Nobody" in runner.invoke(app, ["rota", "list", "--day", "2026-11-23"]).output


def test_alerts_export_writes_csv_and_json(workdir: Path) -> None:
    result = runner.invoke(app, ["alerts", "export", "--out", str(workdir / "export")])
    assert result.exit_code == 0, result.output
    assert (workdir / "export" / "alerts.json").read_text() == "[]"
    header = (workdir / "export" / "alerts.csv").read_text().splitlines()[0]
    assert header.startswith('"ref","severity","status"') and header.endswith('"timeline"')


def test_a_malformed_token_stops_start_up_without_echoing_it(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAMILYTIME_TELEGRAM_TOKEN", "pasted-the-wrong-secret-thing")
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 2
    assert "FAMILYTIME_TELEGRAM_TOKEN" in result.output
    assert "pasted-the-wrong-secret-thing" not in result.output


def test_outbox_status_counts_messages_without_showing_them(workdir: Path) -> None:
    assert "empty" in runner.invoke(app, ["outbox", "status"]).output

    async def _queue() -> None:
        db = Database(f"sqlite+aiosqlite:///{workdir / 'cli.sqlite3'}")
        async with db.unit_of_work() as uow:
            await queue_delivery(
                uow,
                SendMessage("A.B. is ill"),
                now=SystemClock().now(),
                chat_id=42,
                priority=Priority.ALERT,
                dedupe_key="test:stuck",
            )
        await db.dispose()

    asyncio.run(_queue())
    output = runner.invoke(app, ["outbox", "status"]).output
    assert "pending  alert" in output and "test:stuck" in output
    assert "A.B." not in output


@pytest.mark.parametrize("hours", ["0", "-5", "721"])
def test_invite_refuses_hours_outside_one_to_thirty_days(workdir: Path, hours: str) -> None:
    assert _import()[0] == 0
    result = runner.invoke(app, ["invite", "C1", "--hours", hours])
    assert result.exit_code == 2
    assert "--hours must be from 1 to 720" in result.output and "t.me" not in result.output


def test_invite_takes_the_hours_asked_for(workdir: Path) -> None:
    assert _import()[0] == 0
    result = runner.invoke(app, ["invite", "C1", "--hours", "1"])
    assert result.exit_code == 0, result.output
    assert "valid for 1 hour." in result.output


def test_a_value_the_database_refuses_is_one_line_without_the_values(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import DBAPIError

    async def refused(*_: object, **__: object) -> None:
        raise DBAPIError("INSERT INTO people ...", {"first_name": "Secretvalue"}, ValueError())

    monkeypatch.setattr("bot.cli.import_records", refused)
    code, output = _import()
    assert code == 1 and "Nothing was imported: the database refused a value" in output
    assert "Secretvalue" not in output and "Traceback" not in output


def test_sessions_cancel_calls_a_session_off_once(workdir: Path) -> None:
    next_week = (SystemClock().now() + timedelta(days=7)).date()
    (workdir / "sessions.csv").write_text(
        SESSIONS + f"S9,coffee-hall,Room 1,{next_week},10:00,11:00,W1,CH1,full\n"
    )
    assert _import("--sessions", "sessions.csv")[0] == 0
    unlisted = runner.invoke(app, ["sessions", "cancel", "S9", "--reason", "The room is flooded"])
    assert unlisted.exit_code == 1
    assert "Give --reason as one of: worker, venue, parent, decision, other." in unlisted.output
    cancel = ["sessions", "cancel", "S9", "--reason", "venue", "--note", "The room is flooded"]
    done = runner.invoke(app, cancel)
    assert done.exit_code == 0, done.output
    assert "S9 is cancelled; its carers, worker, social workers and the coordinators" in done.output
    again = runner.invoke(app, cancel)
    assert again.exit_code == 1 and "already cancelled; nobody was told again" in again.output
    unknown = runner.invoke(app, ["sessions", "cancel", "S404", "--reason", "other"])
    assert unknown.exit_code == 1 and "No session with reference S404." in unknown.output
    no_reason = runner.invoke(app, ["sessions", "cancel", "S9"])
    assert no_reason.exit_code != 0  # --reason is required


def test_sessions_export_writes_the_chronology_owner_only(workdir: Path) -> None:
    assert _import("--sessions", "sessions.csv")[0] == 0
    out = workdir / "export"
    result = runner.invoke(app, ["sessions", "export", "--out", str(out), "--since", "2026-11-24"])
    assert result.exit_code == 0, result.output
    assert "Wrote 2 session(s) and 0 report(s)" in result.output
    lines = (out / "chronology.csv").read_text().splitlines()
    assert lines[0] == (
        '"date","session","children","status","ended","notes","report_submitted_at"'
    )
    assert lines[1] == '"2026-11-24","S1","A.B.","scheduled","","0",""'
    assert json.loads((out / "chronology.json").read_text())[1]["session"] == "S2"
    assert (out / "chronology.csv").stat().st_mode & 0o777 == 0o600
    bad = runner.invoke(app, ["sessions", "export", "--out", str(out), "--until", "24/11"])
    assert bad.exit_code == 2 and "is not a date like 2026-11-23" in bad.output
