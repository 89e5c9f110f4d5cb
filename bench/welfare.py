"""Welfare check-ins in the scheduler's due-work pass: 500 lone and community sessions at once.

Run: .venv/bin/python -m bench.welfare [--sessions 500] [--quick]

On SQLite, through `DueWork.run_once` (what each scheduler tick runs) with an injected clock.
The baseline is a pass with 500 ordinary sessions under way today and none lone or in the
community, timed in the same run (median of five). Then 500 lone and community sessions, all
begun at the same minute, are added: one pass asks all their checks at once, a quiet pass runs
while the 500 wait for an answer, one pass finds them all missed and raises 500 urgent alerts,
the same pass again must find nothing, and two more passes climb the chain and repeat its last
level. Each pass is printed with its ratio to the baseline; rows are counted for duplicates.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import distinct, func, insert, select, update

from bench.stats import peak_rss_mb
from bot.settings import EXAMPLE_SERVICE_CONFIG, Settings
from handlers.alerts import add_shift
from handlers.people import find_person, import_records
from handlers.service.clock import FakeClock
from handlers.service.config import load_service_config
from handlers.service.context import ServiceContext
from scheduler.due_work import DueWork
from storage.database import Database
from storage.migrate import upgrade_database
from storage.models import (
    Alert,
    AuditEvent,
    EventKind,
    OutboxMessage,
    OutboxStatus,
    Person,
    Session,
    SessionEvent,
    Severity,
    TelegramLink,
    WelfareCheck,
)

BEGUN = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday in GMT, the office open
VENUES = ("coffee-hall", "greenleys")
STAFF = """SN1,Sid,Benchsenior,senior,coffee-hall,
M1,Mia,Benchmanager,manager,coffee-hall,
SN2,Sol,Benchsenior,senior,greenleys,
M2,Max,Benchmanager,manager,greenleys,
TM1,Tara,Benchteammanager,manager,,
K1,Cora,Benchcoordinator,coordinator,,
"""
SESSION_HEADER = (
    "ref,venue,room,date,start,end,worker_ref,child_refs,supervision,setting,lone,attendees\n"
)


def records(sessions: int) -> tuple[str, str]:
    """People and children for `sessions` ordinary and as many lone or community sessions."""
    workers = "".join(
        f"W{n},Wren{n},Benchworker,worker,{VENUES[n % 2]},07700900{n % 1000:03d}\n"
        for n in range(2 * sessions)
    )
    people = "ref,first_name,last_name,role,venue,phone\nC1,Bea,Benchcarer,carer,,\n"
    people += "SW1,Sam,Benchsocial,social_worker,,\n" + STAFF + workers
    children = "ref,initials,social_worker_ref,carer_refs\n" + "".join(
        f"CH{n},A.B.,SW1,C1\n" for n in range(2 * sessions)
    )
    return people, children


def session_rows(first: int, count: int, *, is_welfare: bool) -> str:
    """Sessions under way from 10:00 to 12:00; lone and community ones alternate."""
    rows = []
    for n in range(first, first + count):
        setting, lone = ("community", "") if n % 2 else ("", "yes")
        if not is_welfare:
            setting, lone = "", ""
        rows.append(
            f"S{n},{VENUES[n % 2]},,2026-11-23,10:00,12:00,W{n},CH{n},full,{setting},{lone},"
            f"M.B.:PA-{n}\n"
        )
    return SESSION_HEADER + "".join(rows)


async def prepare(db: Database, sessions: int) -> None:
    """The staff linked and on shift, and the ordinary sessions begun with their parents in."""
    config = load_service_config(EXAMPLE_SERVICE_CONFIG)
    people, children = records(sessions)
    now = BEGUN - timedelta(days=1)
    async with db.unit_of_work() as uow:
        await import_records(uow, config, now=now, people=people, children=children)
    async with db.unit_of_work() as uow:
        staff = list(await uow.scalars(select(Person).where(Person.role != "carer")))
        await uow.execute(
            insert(TelegramLink),
            [
                {
                    "person_id": p.id,
                    "telegram_user_id": 500_000 + p.id,
                    "chat_id": 500_000 + p.id,
                    "linked_at": now,
                    "is_reachable": True,
                }
                for p in staff
            ],
        )
        for ref, venue in (
            ("SN1", VENUES[0]),
            ("M1", VENUES[0]),
            ("SN2", VENUES[1]),
            ("M2", VENUES[1]),
        ):
            person = await find_person(uow, ref)
            assert person is not None
            await add_shift(
                uow,
                person,
                venue_code=venue,
                starts_at=BEGUN - timedelta(hours=2),
                ends_at=BEGUN + timedelta(hours=6),
                is_on_call=False,
                now=now,
            )
    await add_sessions(db, 0, sessions, is_welfare=False)


async def add_sessions(db: Database, first: int, count: int, *, is_welfare: bool) -> None:
    """Import sessions and mark each begun at 10:00 with its parent in, as a worker would."""
    config = load_service_config(EXAMPLE_SERVICE_CONFIG)
    async with db.unit_of_work() as uow:
        await import_records(
            uow,
            config,
            now=BEGUN - timedelta(days=1),
            sessions=session_rows(first, count, is_welfare=is_welfare),
        )
    async with db.unit_of_work() as uow:
        refs = [f"S{n}" for n in range(first, first + count)]
        added = list(await uow.scalars(select(Session).where(Session.ref.in_(refs))))
        await uow.execute(
            insert(SessionEvent),
            [
                {"session_id": s.id, "kind": kind.value, "at": at, "by_person_id": s.worker_id}
                for s in added
                for kind, at in (
                    (EventKind.PARENT_ARRIVED, BEGUN - timedelta(minutes=16)),
                    (EventKind.STARTED, BEGUN),
                )
            ],
        )


async def counts(db: Database) -> dict[str, int]:
    """The rows the checks leave, and how many of them are distinct."""
    async with db.unit_of_work() as uow:
        checks = await uow.scalar(select(func.count(WelfareCheck.id)))
        distinct_checks = await uow.scalar(
            select(func.count()).select_from(
                select(WelfareCheck.session_id, WelfareCheck.due_at).distinct().subquery()
            )
        )
        questions = await uow.scalar(
            select(func.count(OutboxMessage.id)).where(OutboxMessage.dedupe_key.like("welfare:%"))
        )
        alerts = await uow.scalar(select(func.count(Alert.id)).where(Alert.origin == "welfare"))
        alerted_sessions = await uow.scalar(
            select(func.count(distinct(Alert.session_id))).where(Alert.origin == "welfare")
        )
        tied = await uow.scalar(
            select(func.count(WelfareCheck.id)).where(WelfareCheck.alert_id.is_not(None))
        )
        missed = await uow.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "session.welfare_missed")
        )
        pings = await uow.scalar(
            select(func.count(OutboxMessage.id)).where(OutboxMessage.dedupe_key.like("alert:%"))
        )
    return {
        "checks": checks or 0,
        "distinct checks": distinct_checks or 0,
        "questions": questions or 0,
        "alerts": alerts or 0,
        "sessions alerted": alerted_sessions or 0,
        "checks tied to an alert": tied or 0,
        "misses on the timeline": missed or 0,
        "alert messages": pings or 0,
    }


async def deliver_all(db: Database, now: datetime) -> None:
    """Mark every queued message sent, as the dispatcher would between ticks (not timed here:
    bench/delivery.py measures sending), so the watchdog sees a healthy outbox."""
    async with db.unit_of_work() as uow:
        await uow.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.PENDING.value)
            .values(status=OutboxStatus.SENT.value, sent_at=now)
        )


def minutes(timeouts: dict[Severity, float]) -> timedelta:
    """An urgent alert's timeout at one level of the chain (welfare alerts are urgent)."""
    return timedelta(minutes=timeouts[Severity.URGENT])


async def timed_pass(work: DueWork) -> tuple[float, int]:
    """One due-work pass: its time in ms and what it handled."""
    started = time.perf_counter()
    handled = await work.run_once()
    return (time.perf_counter() - started) * 1000, handled


async def main(sessions: int) -> None:
    config = load_service_config(EXAMPLE_SERVICE_CONFIG)
    clock = FakeClock(BEGUN + timedelta(minutes=20))
    ctx = ServiceContext(config, clock)
    grace = timedelta(minutes=config.welfare.grace_minutes)
    first_due = BEGUN + timedelta(minutes=config.welfare.interval_minutes)
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}")
        await upgrade_database(db)
        await prepare(db, sessions)
        work = DueWork(db, ctx, on_queued=lambda: None, on_next_deadline=lambda _at: None)
        await work.run_once()  # warm up: reminders overdue at start-up, readiness, the purge
        await deliver_all(db, clock.now())
        baseline = []
        for n in range(5):
            clock.set(first_due + timedelta(seconds=n))
            baseline.append((await timed_pass(work))[0])
            await deliver_all(db, clock.now())
        base = statistics.median(baseline)
        clock.set(first_due - timedelta(minutes=5))
        await add_sessions(db, sessions, sessions, is_welfare=True)
        await work.run_once()  # the new sessions' own overdue reminders, before any check
        await deliver_all(db, clock.now())
        climb = first_due + grace + minutes(config.escalation.levels[0].timeout_minutes)
        repeat = climb + minutes(config.escalation.levels[-1].timeout_minutes)
        phases: list[tuple[str, float, int, dict[str, int]]] = []
        for name, at in (
            (f"ask: {sessions} checks fall due in one tick", first_due),
            (f"quiet: {sessions} checks wait for an answer", first_due + grace / 2),
            (f"missed: {sessions} alerts raised in one tick", first_due + grace),
            ("the same tick again (nothing new)", first_due + grace),
            ("the chain climbs (level 1 timed out)", climb),
            ("the last level repeats", repeat),
        ):
            clock.set(at)
            took, handled = await timed_pass(work)
            phases.append((name, took, handled, await counts(db)))
            await deliver_all(db, clock.now())
        await db.dispose()
    tick_ms = Settings.model_fields["tick_seconds"].default * 1000
    print(
        f"baseline: a due-work pass with {sessions} ordinary sessions under way, none lone or in "
        f"the community: median {base:.1f} ms (of {', '.join(f'{b:.0f}' for b in baseline)}); "
        f"the scheduler ticks every {tick_ms / 1000:.0f} s"
    )
    before = dict.fromkeys(phases[0][3], 0)
    for name, took, handled, after in phases:
        new = {k: after[k] - before[k] for k in after if after[k] != before[k]}
        print(
            f"{name}: {took:.0f} ms, ratio {took / base:.1f}, "
            f"{(took - base) / sessions:+.1f} ms a session, {took / tick_ms:.2f} of a tick; "
            f"handled {handled}; new rows "
            + (", ".join(f"{k} +{v}" for k, v in new.items()) or "none")
        )
        before = after
    final = phases[-1][3]
    duplicates = {
        "checks": final["checks"] - final["distinct checks"],
        "questions": final["questions"] - final["checks"],
        "alerts": final["alerts"] - final["sessions alerted"],
        "misses": final["misses on the timeline"] - final["alerts"],
    }
    print(
        f"after all passes: {final['checks']} checks, {final['questions']} questions, "
        f"{final['alerts']} alerts for {final['sessions alerted']} sessions, "
        f"{final['checks tied to an alert']} checks tied to an alert; duplicates "
        + ", ".join(f"{k} {v}" for k, v in duplicates.items())
        + (" (none)" if not any(duplicates.values()) else " (DUPLICATES)")
    )
    print(f"peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=500, help="of each kind, under way")
    parser.add_argument("--quick", action="store_true", help="a small run (50 sessions)")
    args = parser.parse_args()
    asyncio.run(main(50 if args.quick else args.sessions))
