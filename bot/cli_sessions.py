"""`familytime sessions …`: the service changing a session outside the import."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli_support import checked_settings, with_database
from bot.wiring import load_config
from handlers.service.clock import SystemClock
from handlers.service.context import ServiceContext
from handlers.sessions import SERVICE_REASONS, StaffCancelled, cancel_session_by_service
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
