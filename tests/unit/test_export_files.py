"""Export cells a spreadsheet would run as formulas are defused; files are owner-only."""

from __future__ import annotations

import csv
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from handlers.service.export_files import (
    make_export_folder,
    spreadsheet_safe,
    write_export_csv,
    write_export_text,
)

HOSTILE = ["=1+1", "+SUM(A1)", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("cell", HOSTILE)
def test_a_cell_a_spreadsheet_would_run_gets_a_leading_quote(cell: str) -> None:
    assert spreadsheet_safe(cell) == f"'{cell}"


@pytest.mark.parametrize("cell", ["", "A12", "Advice given", "2026-11-23T10:00:00+00:00", "a=b"])
def test_plain_cells_are_left_as_they_are(cell: str) -> None:
    assert spreadsheet_safe(cell) == cell


def test_csv_cells_are_quoted_and_defused(tmp_path: Path, permissive_umask: None) -> None:
    path = tmp_path / "out.csv"
    write_export_csv(path, ["ref", "note"], [{"ref": "A1", "note": cell} for cell in HOSTILE])
    text = path.read_bytes().decode()
    assert text.startswith('"ref","note"\r\n"A1","\'=1+1"\r\n')  # every cell quoted
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["ref", "note"]
    assert [row[1] for row in rows[1:]] == [f"'{cell}" for cell in HOSTILE]


def test_export_files_and_new_folders_are_owner_only_whatever_the_umask(
    tmp_path: Path, permissive_umask: None
) -> None:
    folder = tmp_path / "exports" / "today"
    make_export_folder(folder)
    assert _mode(folder) == 0o700 and _mode(folder.parent) == 0o700
    older = folder / "alerts.json"
    older.write_text("[]")
    older.chmod(0o644)  # an export written before this fix, readable by everyone
    write_export_text(older, '[{"note": "=1+1"}]')
    write_export_csv(folder / "alerts.csv", ["ref"], [{"ref": "A1"}])
    assert _mode(older) == 0o600 and _mode(folder / "alerts.csv") == 0o600
    assert older.read_text() == '[{"note": "=1+1"}]'  # JSON keeps what was recorded
    assert sorted(p.name for p in folder.iterdir()) == ["alerts.csv", "alerts.json"]


def test_an_existing_folder_is_left_as_it_is(tmp_path: Path) -> None:
    tmp_path.chmod(0o750)
    make_export_folder(tmp_path)
    assert _mode(tmp_path) == 0o750
