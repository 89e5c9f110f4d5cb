"""`familytime sessions …`: the service changing a session outside the import."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli_support import checked_settings, with_database
from bot.wiring import load_config
from handlers.service.clock import SystemClock
from handlers.sessions import StaffCancelled, cancel_session_by_service
from storage.database import Database

sessions_app = typer.Typer(help="Family time sessions.", no_args_is_help=True)

_ANSWERS = {
    StaffCancelled.DONE: "{ref} is cancelled; its carers and worker are being told.",
    StaffCancelled.UNKNOWN: "No session with reference {ref}.",
    StaffCancelled.ALREADY: "{ref} was already cancelled; nobody was told again.",
    StaffCancelled.OVER: "{ref} has already ended; there is nothing to cancel.",
    StaffCancelled.BAD_REASON: "Give a short plain --reason (at most 300 characters).",
}


@sessions_app.command("cancel")
def sessions_cancel(
    ref: Annotated[str, typer.Argument(help="The session's reference, as in sessions.csv")],
    reason: Annotated[
        str, typer.Option(help="Why, in a few words; the carers and the worker read it")
    ],
) -> None:
    """Cancel a session for the service: its carers and worker are told at once, with the
    reason, and no reminder goes for it."""
    settings = checked_settings()
    config = load_config(settings)

    async def _cancel(db: Database) -> StaffCancelled:
        async with db.unit_of_work() as uow:
            return await cancel_session_by_service(
                uow, config, ref=ref, reason=reason, now=SystemClock().now()
            )

    outcome = with_database(settings, _cancel)
    print(_ANSWERS[outcome].format(ref=ref))
    if outcome is not StaffCancelled.DONE:
        raise typer.Exit(1)
