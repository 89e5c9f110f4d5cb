"""Export files: readable by their owner only, and CSV cells a spreadsheet won't run as formulas.

Every export goes through here. CSV cells that start with `=`, `+`, `-`, `@`, a tab or a
carriage return get a leading single quote and every cell is quoted (OWASP, "CSV Injection"),
so a coordinator opening the file in a spreadsheet sees text, not a formula. JSON is written as
recorded: spreadsheets don't open it as cells, and the case record keeps what was said as said.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
OWNER_ONLY_FILE = 0o600
OWNER_ONLY_FOLDER = 0o700


def spreadsheet_safe(value: object) -> str:
    """The cell as text, with a leading quote if a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def make_export_folder(folder: Path) -> None:
    """Create the folder (and any missing parents) readable by its owner only.

    A folder that already exists is left as it is; the files written into it are owner-only.
    """
    missing = [folder, *folder.parents]
    missing = [path for path in missing if not path.exists()]
    for path in reversed(missing):  # the outermost first; mkdir's mode alone skips the parents
        path.mkdir(mode=OWNER_ONLY_FOLDER)
        os.chmod(path, OWNER_ONLY_FOLDER)  # whatever the umask


def write_export_text(path: Path, text: str) -> None:
    """Write a file readable by its owner only, whatever the umask or an older file's mode.

    The text goes to a fresh 0600 file beside it, which then replaces the path in one step, so
    nobody ever sees a half-written or world-readable export.
    """
    write_export_bytes(path, text.encode("utf-8"))


def write_export_bytes(path: Path, content: bytes) -> None:
    """Write a file (a PDF) readable by its owner only, in one step, as `write_export_text`."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(handle, OWNER_ONLY_FILE)
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def write_export_csv(
    path: Path, columns: Sequence[str], rows: Iterable[Mapping[str, object]]
) -> None:
    """Write rows as CSV (header first, every cell quoted and spreadsheet-safe), owner-only."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    writer.writerow([spreadsheet_safe(column) for column in columns])
    for row in rows:
        writer.writerow([spreadsheet_safe(row.get(column, "")) for column in columns])
    write_export_text(path, buffer.getvalue())
