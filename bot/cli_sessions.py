"""`familytime sessions …`: the service changing a session outside the import, and the
sessions' chronology and reports for the case record."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from bot.cli_support import checked_settings, with_database
from bot.wiring import load_config
from handlers.reports import (
    CHRONOLOGY_COLUMNS,
    SentReport,
    session_chronology,
)
from handlers.service.clock import SystemClock
from handlers.service.context import ServiceContext
from handlers.service.export_files import (
    make_export_folder,
    write_export_bytes,
    write_export_csv,
    write_export_text,
)
from handlers.sessions import (
    SERVICE_REASONS,
    StaffCancelled,
    cancel_session_by_service,
)
from storage.database import Database

sessions_app = typer.Typer(help="Family time sessions.", no_args_is_help=True)

_REASONS = ", ".join(SERVICE_REASONS)
_ANSWERS = {
    StaffCancelled.DONE: (
        "{ref} is cancelled; its carers, worker, social workers and the coordinators are being "
        "told."
    ),
    StaffCancelled.UNKNOWN: "No session with reference {ref}.",
    StaffCancelled.ALREADY: "{ref} was already cancelled; nobody was told again.",
    StaffCancelled.OVER: "{ref} has already ended; there is nothing to cancel.",
    StaffCancelled.BAD_REASON: f"Give --reason as one of: {_REASONS}.",
    StaffCancelled.BAD_NOTE: "Give a short plain --note (at most 300 characters), or none.",
}


@sessions_app.command("cancel")
def sessions_cancel(
    ref: Annotated[str, typer.Argument(help="The session's reference, as in sessions.csv")],
    reason: Annotated[
        str,
        typer.Option(help=f"One of: {_REASONS}; the carers read only its fixed words"),
    ],
    note: Annotated[
        str | None,
        typer.Option(help="Why, in a few words, for the staff and the record; no carer reads it"),
    ] = None,
) -> None:
    """Cancel a session for the service: its carers, worker, social workers and the
    coordinators are told at once, and no reminder goes for it."""
    settings = checked_settings()
    ctx = ServiceContext(load_config(settings), SystemClock())

    async def _cancel(db: Database) -> StaffCancelled:
        async with db.unit_of_work() as uow:
            return await cancel_session_by_service(uow, ctx, ref=ref, reason=reason, note=note)

    outcome = with_database(settings, _cancel)
    print(_ANSWERS[outcome].format(ref=ref))
    if outcome is not StaffCancelled.DONE:
        raise typer.Exit(1)


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        print(f"{text!r} is not a date like 2026-11-23.")
        raise typer.Exit(2) from None


@sessions_app.command("export")
def sessions_export(
    out: Annotated[Path, typer.Option(help="Folder to write the chronology and reports into")],
    since: Annotated[str | None, typer.Option(help="First day, e.g. 2026-11-01")] = None,
    until: Annotated[str | None, typer.Option(help="Last day, e.g. 2026-11-30")] = None,
) -> None:
    """Write the sessions' chronology (chronology.csv and .json: one line per session) and the
    sent reports' PDFs (reports/), readable by you only."""
    settings = checked_settings()
    ctx = ServiceContext(load_config(settings), SystemClock())
    first, last = _day(since), _day(until)

    async def _export(db: Database) -> tuple[list[dict[str, Any]], list[SentReport]]:
        async with db.unit_of_work() as uow:
            return await session_chronology(uow, ctx, since=first, until=last)

    rows, reports = with_database(settings, _export)
    make_export_folder(out / "reports")
    write_export_csv(out / "chronology.csv", CHRONOLOGY_COLUMNS, rows)
    lines = ",\n".join(json.dumps(row, ensure_ascii=False) for row in rows)
    write_export_text(out / "chronology.json", f"[\n{lines}\n]\n" if rows else "[]\n")
    for report in reports:
        write_export_bytes(out / "reports" / report.filename, report.content)
    print(f"Wrote {len(rows)} session(s) and {len(reports)} report(s) to {out}.")
