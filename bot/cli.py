"""`familytime`: the administrator's tool (database, imports, invites, people, running the bot)."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.exc import DBAPIError

from bot.cli_alerts import alerts_app, outbox_app, rota_app
from bot.cli_previsits import previsits_app
from bot.cli_sessions import sessions_app
from bot.cli_support import checked_settings, use_sandbox_database, with_database
from bot.process import tune_garbage_collection
from bot.wiring import load_config
from handlers.people import (
    ImportFailed,
    create_invite,
    deactivate_person,
    find_person,
    import_records,
    invite_link,
)
from handlers.service.clock import SystemClock
from storage.database import Database

MAX_INVITE_HOURS = 24 * 30  # as the service config allows for its default

# Another port for the sandbox when 8080 is in use: `FAMILYTIME_SANDBOX_PORT=8090 make run`.
SANDBOX_PORT_ENV = "FAMILYTIME_SANDBOX_PORT"

app = typer.Typer(
    help="Family Time assistant: run the bot and look after its data.", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
people_app = typer.Typer(help="People who use the bot.", no_args_is_help=True)


@app.callback()
def choose_database(
    sandbox: Annotated[
        bool,
        typer.Option(
            "--sandbox", help="Act on the sandbox's database (./sandbox.sqlite3), not the bot's."
        ),
    ] = False,
) -> None:
    """Family Time assistant: run the bot and look after its data."""
    use_sandbox_database(sandbox)


app.add_typer(db_app, name="db")
app.add_typer(people_app, name="people")
app.add_typer(rota_app, name="rota")
app.add_typer(alerts_app, name="alerts")
app.add_typer(outbox_app, name="outbox")
app.add_typer(sessions_app, name="sessions")
app.add_typer(previsits_app, name="previsits")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade the database schema to the latest version."""
    settings = checked_settings()

    async def _noop(_: Database) -> None:
        return None

    with_database(settings, _noop)
    print("Database is up to date.")


@app.command("import")
def import_csv(
    people: Annotated[Path | None, typer.Option(help="people.csv", exists=True)] = None,
    children: Annotated[Path | None, typer.Option(help="children.csv", exists=True)] = None,
    sessions: Annotated[Path | None, typer.Option(help="sessions.csv", exists=True)] = None,
) -> None:
    """Import people, children and sessions from CSV files (all or nothing)."""
    settings = checked_settings()
    config = load_config(settings)
    texts = {
        name: p.read_text(encoding="utf-8-sig") if p else None
        for name, p in (("people", people), ("children", children), ("sessions", sessions))
    }

    async def _import(db: Database) -> str:
        async with db.unit_of_work() as uow:
            done = await import_records(uow, config, now=SystemClock().now(), **texts)
        return f"Imported {done.people} people, {done.children} children, {done.sessions} sessions."

    try:
        print(with_database(settings, _import))
    except ImportFailed as exc:
        print("Nothing was imported. Please fix these rows and run the import again:")
        for error in exc.errors:
            print(f"  {error}")
        raise typer.Exit(1) from exc
    except DBAPIError as exc:  # a check missed something; never print the statement's values
        print(
            "Nothing was imported: the database refused a value "
            f"({type(exc.orig).__name__}). Please check the files for unusual characters."
        )
        raise typer.Exit(1) from None


@app.command("invite")
def invite(
    ref: Annotated[str, typer.Argument(help="The person's reference, as in people.csv")],
    bot_username: Annotated[str, typer.Option(help="The bot's @username")] = "familytime_bot",
    hours: Annotated[int | None, typer.Option(help="Hours the link stays valid")] = None,
) -> None:
    """Print a single-use invite link for one person."""
    if hours is not None and not 1 <= hours <= MAX_INVITE_HOURS:
        print(
            f"--hours must be from 1 to {MAX_INVITE_HOURS}; leave it out for the service's "
            "default. No invite was made."
        )
        raise typer.Exit(2)
    settings = checked_settings()
    config = load_config(settings)
    valid_for = timedelta(hours=config.invite_valid_hours if hours is None else hours)

    async def _invite(db: Database) -> str | None:
        async with db.unit_of_work() as uow:
            person = await find_person(uow, ref)
            if person is None or not person.is_active:
                return None
            return await create_invite(
                uow, person, now=SystemClock().now(), valid_for=valid_for
            )

    token = with_database(settings, _invite)
    if token is None:
        print(f"No active person with reference {ref}.")
        raise typer.Exit(1)
    print(invite_link(bot_username.lstrip("@"), token))
    valid_hours = int(valid_for.total_seconds() // 3600)
    print(f"Single use; valid for {valid_hours} hour{'' if valid_hours == 1 else 's'}.")


@people_app.command("list")
def people_list() -> None:
    """List people with their role and whether they have linked Telegram."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from storage.models import Person

    async def _list(db: Database) -> list[str]:
        async with db.unit_of_work() as uow:
            people = await uow.scalars(
                select(Person).options(selectinload(Person.link)).order_by(Person.ref)
            )
            return [
                f"{p.ref:<12} {p.role:<14} {'active' if p.is_active else 'deactivated':<12} "
                f"{'linked' if p.link else 'not linked':<11} {p.first_name} {p.last_name}"
                for p in people
            ]

    for line in with_database(checked_settings(), _list):
        print(line)


@people_app.command("deactivate")
def people_deactivate(ref: Annotated[str, typer.Argument(help="The person's reference")]) -> None:
    """Cut a person's access at once (unlinks Telegram, closes invites and conversations)."""

    async def _deactivate(db: Database) -> bool:
        async with db.unit_of_work() as uow:
            person = await find_person(uow, ref)
            if person is None:
                return False
            await deactivate_person(uow, person, now=SystemClock().now())
            return True

    if not with_database(checked_settings(), _deactivate):
        print(f"No person with reference {ref}.")
        raise typer.Exit(1)
    print(f"{ref} is deactivated; the bot no longer answers them.")


@app.command("run")
def run(
    runtime: Annotated[str | None, typer.Option(help="ptb or aiogram")] = None,
    webhook: Annotated[
        str | None,
        typer.Option(help="Public HTTPS URL Telegram should POST updates to (else long polling)"),
    ] = None,
    sandbox_port: Annotated[
        int, typer.Option(help="The sandbox's port, when no token", envvar=SANDBOX_PORT_ENV)
    ] = 8080,
) -> None:
    """Run the bot against Telegram; without FAMILYTIME_TELEGRAM_TOKEN, run the local sandbox."""
    settings = checked_settings()
    if settings.telegram_token is None:
        # No token: the sandbox, whose start-up line gives the page's address.
        sandbox(runtime=runtime, port=sandbox_port)
        return
    from bot.app import FamilyTimeApp
    from bot.wiring import make_gateway, make_webhook

    token = settings.telegram_token.get_secret_value()
    gateway = make_gateway(runtime or settings.runtime, token, settings.telegram_api_url)
    config = load_config(settings)
    hook = make_webhook(settings, webhook)

    async def _run(db: Database) -> None:
        bot_app = FamilyTimeApp(
            db,
            gateway,
            config,
            SystemClock(),
            tick_seconds=settings.tick_seconds,
            webhook=hook,
            health_listen=settings.health_address(),
        )
        tune_garbage_collection()
        await _until_signal(bot_app.run)

    with_database(settings, _run)


@app.command("sandbox")
def sandbox(
    runtime: Annotated[str | None, typer.Option(help="ptb or aiogram")] = None,
    port: Annotated[
        int, typer.Option(help="Port of the page and the local Bot API", envvar=SANDBOX_PORT_ENV)
    ] = 8080,
    database: Annotated[
        Path, typer.Option(help="The sandbox's SQLite file (made afresh at each start)")
    ] = Path("sandbox.sqlite3"),
) -> None:
    """Run the bot offline with demo data; its page is at http://127.0.0.1:8080."""
    from bot.sandbox import PortTaken, run_sandbox

    settings = checked_settings()
    config = load_config(settings)

    async def _main() -> None:
        await _until_signal(
            lambda stop: run_sandbox(
                stop, config, runtime or settings.runtime, port, database.resolve()
            )
        )

    try:
        asyncio.run(_main())
    except PortTaken as exc:
        print(exc)
        raise typer.Exit(1) from None


async def _until_signal(main: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await main(stop)
