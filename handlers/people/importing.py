"""Import people, children and sessions from CSV: all rows or none, errors by row number."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from handlers.alerts import NOT_STAFF, release_alerts_held_by
from handlers.people.import_rows import (
    CHILDREN_COLUMNS,
    PEOPLE_COLUMNS,
    SESSIONS_COLUMNS,
    ChildRow,
    ImportRow,
    PersonRow,
    SessionRow,
    read_rows,
    split_refs,
)
from handlers.people.venues import sync_venues
from handlers.service.audit import record_audit
from handlers.service.config import ServiceConfig
from handlers.sessions import SessionFacts, tell_session_changed
from storage.models import Child, Person, Role, Session, SessionStatus


class ImportFailed(Exception):
    """The files had errors; nothing was imported."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class ImportSummary:
    """How many rows of each kind were added or updated."""

    people: int = 0
    children: int = 0
    sessions: int = 0


async def import_records(
    uow: AsyncSession,
    config: ServiceConfig,
    *,
    now: datetime,
    people: str | None = None,
    children: str | None = None,
    sessions: str | None = None,
) -> ImportSummary:
    """Validate every file first, then write; raises ImportFailed and writes nothing on errors."""
    errors: list[str] = []
    person_rows = (
        read_rows("people.csv", people, PEOPLE_COLUMNS, PersonRow, errors) if people else []
    )
    child_rows = (
        read_rows("children.csv", children, CHILDREN_COLUMNS, ChildRow, errors) if children else []
    )
    session_rows = (
        read_rows("sessions.csv", sessions, SESSIONS_COLUMNS, SessionRow, errors)
        if sessions
        else []
    )
    venues = {v.code for v in config.venues}
    summary = ImportSummary()
    await sync_venues(uow, config)
    people_by_ref = {p.ref: p for p in await uow.scalars(select(Person))}
    no_longer_staff: list[Person] = []
    for number, row in person_rows:
        assert isinstance(row, PersonRow)
        if row.venue and row.venue not in venues:
            errors.append(f"people.csv row {number}: venue: unknown venue {row.venue!r}")
            continue
        person = people_by_ref.get(row.ref)
        if person is None:
            person = Person(ref=row.ref, created_at=now, is_active=True)
            uow.add(person)
            people_by_ref[row.ref] = person
        person.first_name, person.last_name = row.first_name, row.last_name
        if person.role not in NOT_STAFF and row.role.value in NOT_STAFF:
            no_longer_staff.append(person)
        person.role = row.role.value
        person.venue_code = row.venue or None
        person.phone = row.phone or None
        summary.people += 1
    await uow.flush()
    children_by_ref = {
        c.ref: c for c in await uow.scalars(select(Child).options(selectinload(Child.carers)))
    }
    for number, row in child_rows:
        assert isinstance(row, ChildRow)
        carers = [people_by_ref.get(r) for r in split_refs(row.carer_refs)]
        social_worker = people_by_ref.get(row.social_worker_ref) if row.social_worker_ref else None
        problems = [
            f"carer_refs: unknown or not a carer: {r}"
            for r, p in zip(split_refs(row.carer_refs), carers, strict=True)
            if p is None or p.role != Role.CARER
        ]
        if row.social_worker_ref and (
            social_worker is None or social_worker.role != Role.SOCIAL_WORKER
        ):
            problems.append(f"social_worker_ref: unknown social worker {row.social_worker_ref}")
        if problems:
            errors += [f"children.csv row {number}: {p}" for p in problems]
            continue
        child = children_by_ref.get(row.ref)
        if child is None:
            child = Child(ref=row.ref, initials=row.initials, carers=[])
            uow.add(child)
            children_by_ref[row.ref] = child
        child.initials = row.initials
        child.social_worker_id = social_worker.id if social_worker else None
        child.carers = [p for p in carers if p is not None]
        if row.not_independently_mobile is not None:
            child.is_independently_mobile = not row.not_independently_mobile
        if row.needs is not None:
            child.needs = row.needs or None
        if row.risks is not None:
            child.risks = row.risks or None
        summary.children += 1
    await uow.flush()
    changed = await _import_sessions(
        uow, config, session_rows, people_by_ref, children_by_ref, venues, errors, summary
    )
    if errors:
        raise ImportFailed(errors)
    for record, before in changed:  # the carers and workers hear what the service changed
        await tell_session_changed(uow, config, record, before, now=now)
    for person in no_longer_staff:  # can't act on an alert any more: it climbs at once
        await release_alerts_held_by(uow, person, now=now)
    record_audit(
        uow,
        "records.imported",
        at=now,
        people=summary.people,
        children=summary.children,
        sessions=summary.sessions,
    )
    return summary


async def _import_sessions(
    uow: AsyncSession,
    config: ServiceConfig,
    rows: list[tuple[int, ImportRow]],
    people_by_ref: dict[str, Person],
    children_by_ref: dict[str, Child],
    venues: set[str],
    errors: list[str],
    summary: ImportSummary,
) -> list[tuple[Session, SessionFacts]]:
    """Add or update the sessions; returns the ones that were already there, as they were."""
    zone = ZoneInfo(config.timezone)
    updated: list[tuple[Session, SessionFacts]] = []
    existing = {
        s.ref: s for s in await uow.scalars(select(Session).options(selectinload(Session.children)))
    }
    for number, row in rows:
        assert isinstance(row, SessionRow)
        problems: list[str] = []
        if row.venue not in venues:
            problems.append(f"venue: unknown venue {row.venue!r}")
        if row.end <= row.start:
            problems.append("end: must be after start")
        worker = people_by_ref.get(row.worker_ref) if row.worker_ref else None
        if row.worker_ref and (worker is None or worker.role not in (Role.WORKER, Role.SENIOR)):
            problems.append(f"worker_ref: unknown Family Time Worker {row.worker_ref}")
        kids = [children_by_ref.get(r) for r in split_refs(row.child_refs)]
        problems += [
            f"child_refs: unknown child {r}"
            for r, c in zip(split_refs(row.child_refs), kids, strict=True)
            if c is None
        ]
        if not kids:
            problems.append("child_refs: at least one child is needed")
        if problems:
            errors += [f"sessions.csv row {number}: {p}" for p in problems]
            continue
        record = existing.get(row.ref)
        if record is None:
            record = Session(ref=row.ref, children=[], status=SessionStatus.SCHEDULED.value)
            uow.add(record)
            existing[row.ref] = record
        else:
            updated.append((record, SessionFacts.of(record)))
        if row.status:
            record.status = row.status
        record.venue_code = row.venue
        record.room = row.room or None
        record.starts_at = datetime.combine(row.date, row.start, zone)
        record.ends_at = datetime.combine(row.date, row.end, zone)
        record.worker_id = worker.id if worker else None
        record.supervision_level = row.supervision or None
        record.children = [c for c in kids if c is not None]
        record.attendees = ";".join(f"{i}:{ref}" for i, ref in row.attendees) or None
        record.is_no_meet = row.no_meet
        record.parent_arrives_at = _on_day(row, row.parent_arrives, zone)
        record.parent_leaves_at = _on_day(row, row.parent_leaves, zone)
        record.carer_arrives_at = _on_day(row, row.carer_arrives, zone)
        record.carer_leaves_at = _on_day(row, row.carer_leaves, zone)
        record.setting = row.setting
        record.is_lone = row.lone
        summary.sessions += 1
    return updated


def _on_day(row: SessionRow, at: time | None, zone: ZoneInfo) -> datetime | None:
    """A local time on the session's day, if given."""
    return datetime.combine(row.date, at, zone) if at is not None else None
