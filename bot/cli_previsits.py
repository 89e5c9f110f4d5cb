"""`familytime previsits …`: the pre-visits carers have booked, for the planning meetings."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from bot.cli_support import checked_settings, with_database
from bot.wiring import load_config
from handlers.service.clock import SystemClock
from handlers.service.context import ServiceContext
from handlers.service.export_files import make_export_folder, write_export_csv
from handlers.sessions import PREVISIT_COLUMNS, export_previsits
from storage.database import Database

previsits_app = typer.Typer(help="Pre-visits booked by carers.", no_args_is_help=True)


@previsits_app.command("export")
def previsits_export(
    out: Annotated[Path, typer.Option(help="Folder to write previsits.csv into")],
) -> None:
    """Write every pre-visit kept (times in the service's zone) as CSV, readable by you only."""
    settings = checked_settings()
    ctx = ServiceContext(load_config(settings), SystemClock())

    async def _export(db: Database) -> list[dict[str, Any]]:
        async with db.unit_of_work() as uow:
            return await export_previsits(uow, ctx)

    rows = with_database(settings, _export)
    make_export_folder(out)
    write_export_csv(out / "previsits.csv", PREVISIT_COLUMNS, rows)
    print(f"Wrote {len(rows)} pre-visit(s) to {out / 'previsits.csv'}.")
