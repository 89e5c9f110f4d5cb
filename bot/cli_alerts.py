"""`familytime rota …`, `alerts …` and `outbox …`: alert cover, alert records, delivery."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer

from bot.cli_support import checked_settings, with_database
from bot.wiring import load_config
from handlers.alerts import (
    CSV_COLUMNS,
    RotaError,
    add_shift,
    export_alerts,
    remove_shift,
    shifts_between,
)
from handlers.delivery.outbox_status import (
    StuckMessage,
    oldest_unsent,
    outbox_counts,
    sent_after_a_timeout,
)
from handlers.people import find_person
from handlers.service.clock import SystemClock
from handlers.service.export_files import make_export_folder, write_export_csv, write_export_text
from storage.database import Database

rota_app = typer.Typer(help="Who is on site or on call to answer alerts.", no_args_is_help=True)
alerts_app = typer.Typer(help="Safeguarding alert records.", no_args_is_help=True)
outbox_app = typer.Typer(help="Messages the bot has queued and sent.", no_args_is_help=True)


def _local(text: str, zone: ZoneInfo) -> datetime:
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=zone)
    except ValueError:
        print(f"{text!r} is not a date and time like 2026-11-23 09:00.")
        raise typer.Exit(2) from None


@rota_app.command("add")
def rota_add(
    ref: Annotated[str, typer.Argument(help="The person's reference")],
    start: Annotated[str, typer.Option(help="Local start, e.g. '2026-11-23 09:00'")],
    end: Annotated[str, typer.Option(help="Local end, e.g. '2026-11-23 17:00'")],
    venue: Annotated[str | None, typer.Option(help="Venue code when on site")] = None,
    on_call: Annotated[bool, typer.Option(help="On call for the service (out of hours)")] = False,
) -> None:
    """Put a person on site at a venue, or on call, for a span of local time."""
    settings = checked_settings()
    config = load_config(settings)
    zone = ZoneInfo(config.timezone)
    starts_at, ends_at = _local(start, zone), _local(end, zone)
    if venue is not None and venue not in {v.code for v in config.venues}:
        print(f"Unknown venue {venue!r}; use one of: {', '.join(v.code for v in config.venues)}.")
        raise typer.Exit(2)

    async def _add(db: Database) -> str:
        async with db.unit_of_work() as uow:
            person = await find_person(uow, ref)
            if person is None:
                return f"No person with reference {ref}."
            shift = await add_shift(
                uow,
                person,
                venue_code=venue,
                starts_at=starts_at,
                ends_at=ends_at,
                is_on_call=on_call,
                now=SystemClock().now(),
            )
            return f"Added shift {shift.id}."

    try:
        message = with_database(settings, _add)
    except RotaError as exc:
        print(f"Not added: {exc}.")
        raise typer.Exit(1) from exc
    print(message)
    if message.startswith("No person"):
        raise typer.Exit(1)


@rota_app.command("list")
def rota_list(
    day: Annotated[
        str | None, typer.Option(help="Local date, e.g. 2026-11-23 (default today)")
    ] = None,
) -> None:
    """List the shifts on one day."""
    settings = checked_settings()
    zone = ZoneInfo(load_config(settings).timezone)
    start = (
        _local(f"{day} 00:00", zone)
        if day
        else datetime.now(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    )

    async def _list(db: Database) -> list[str]:
        async with db.unit_of_work() as uow:
            shifts = await shifts_between(uow, start, start + timedelta(days=1))
            return [
                f"{s.id:>5} {p.ref:<10} {p.role:<12} "
                f"{'on call' if s.is_on_call else s.venue_code:<14} "
                f"{s.starts_at.astimezone(zone):%a %d %b %H:%M}–{s.ends_at.astimezone(zone):%H:%M}"
                for s, p in shifts
            ]

    lines = with_database(settings, _list)
    print("\n".join(lines) if lines else "Nobody is on the rota that day.")


@rota_app.command("remove")
def rota_remove(
    shift_id: Annotated[int, typer.Argument(help="The shift number from rota list")],
) -> None:
    """Take a shift off the rota."""
    settings = checked_settings()

    async def _remove(db: Database) -> bool:
        async with db.unit_of_work() as uow:
            return await remove_shift(uow, shift_id, now=SystemClock().now())

    if not with_database(settings, _remove):
        print(f"No shift {shift_id}.")
        raise typer.Exit(1)
    print(f"Removed shift {shift_id}.")


@alerts_app.command("export")
def alerts_export(
    out: Annotated[Path, typer.Option(help="Folder to write alerts.csv and alerts.json into")],
) -> None:
    """Write every alert with its full timeline (CSV and JSON) for the case record."""
    settings = checked_settings()

    async def _export(db: Database) -> list[dict[str, Any]]:
        async with db.unit_of_work() as uow:
            return await export_alerts(uow)

    records = with_database(settings, _export)
    make_export_folder(out)
    write_export_text(out / "alerts.json", json.dumps(records, indent=2, ensure_ascii=False))
    rows = [
        {**record, "timeline": "; ".join(f"{e['at']} {e['action']}" for e in record["timeline"])}
        for record in records
    ]
    write_export_csv(out / "alerts.csv", [*CSV_COLUMNS, "timeline"], rows)
    print(f"Wrote {len(records)} alert(s) to {out / 'alerts.csv'} and {out / 'alerts.json'}.")


@outbox_app.command("status")
def outbox_status() -> None:
    """Delivery status: messages by status and priority, and the oldest still unsent."""
    settings = checked_settings()

    async def _status(
        db: Database,
    ) -> tuple[dict[tuple[str, str], int], list[StuckMessage], int]:
        async with db.unit_of_work() as uow:
            now = SystemClock().now()
            return (
                await outbox_counts(uow),
                await oldest_unsent(uow, now),
                await sent_after_a_timeout(uow),
            )

    counts, stuck, maybe_twice = with_database(settings, _status)
    if not counts:
        print("The outbox is empty.")
        return
    for (status, priority), count in sorted(counts.items()):
        print(f"{status:<8} {priority:<9} {count:>7}")
    for message in stuck:
        print(
            f"unsent #{message.id} {message.priority} {message.dedupe_key or ''} "
            f"waiting {message.age_seconds:.0f}s after {message.attempts} attempt(s)"
            + (f": {message.last_error}" if message.last_error else "")
        )
    if maybe_twice:
        print(
            f"{maybe_twice} message(s) were sent again after a send timed out or was cut off "
            "by the bot stopping; Telegram may have shown each of them twice."
        )
