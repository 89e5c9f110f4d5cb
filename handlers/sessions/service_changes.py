"""When the service changes a session by a re-import: who is told what.

The carers of the session's children get one message naming what changed, old → new; the
worker hears too, and when the worker changes, the new one is told they now have it and the old
one that they no longer do. Reminders still waiting to go for the session are withdrawn, so none
goes out with the old time, room or worker; the next tick queues them afresh for the session as
it now is (and none for a cancelled one).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.delivery.chat import SendMessage
from handlers.delivery.outbox import queue_delivery
from handlers.delivery.reachability import can_reach
from handlers.service.audit import audit_subject, record_audit
from handlers.service.clock import FixedClock
from handlers.service.config import ServiceConfig
from handlers.service.context import ServiceContext
from handlers.service.labels import place_line
from handlers.sessions.handover import pass_cards_to_new_worker
from handlers.sessions.no_meet import carer_span, has_carer_times
from handlers.sessions.reminders import withdraw_queued_reminders
from storage.models import Person, Priority, Session, SessionStatus, child_carers

CHANGED = "session.changed_by_service"


@dataclass(frozen=True)
class SessionFacts:
    """What a carer or worker relies on about a session, to compare before and after."""

    starts_at: datetime
    ends_at: datetime
    venue_code: str
    room: str | None
    worker_id: int | None
    status: str
    # Set only when the carer keeps their own times (parent and carer must not meet).
    carer_arrives_at: datetime | None = None
    carer_leaves_at: datetime | None = None

    @classmethod
    def of(cls, booked: Session) -> SessionFacts:
        """The facts of a session as it stands."""
        return cls(
            booked.starts_at,
            booked.ends_at,
            booked.venue_code,
            booked.room,
            booked.worker_id,
            booked.status,
            *(carer_span(booked) if has_carer_times(booked) else (None, None)),
        )


@dataclass(frozen=True)
class Change:
    """A session's facts before and after, and what the words for them are."""

    before: SessionFacts
    after: SessionFacts

    @property
    def is_time_changed(self) -> bool:
        return (self.before.starts_at, self.before.ends_at) != (
            self.after.starts_at,
            self.after.ends_at,
        )

    @property
    def is_place_changed(self) -> bool:
        return (self.before.venue_code, self.before.room) != (
            self.after.venue_code,
            self.after.room,
        )

    @property
    def is_worker_changed(self) -> bool:
        return self.before.worker_id != self.after.worker_id

    @property
    def is_cancelled(self) -> bool:
        return (
            self.after.status == SessionStatus.CANCELLED and self.before.status != self.after.status
        )

    @property
    def is_back_on(self) -> bool:
        return self.before.status == SessionStatus.CANCELLED and self.after.status == (
            SessionStatus.SCHEDULED
        )

    @property
    def matters(self) -> bool:
        """Whether anyone needs telling: not of a status moving to completed (the service's
        own), nor of details changing on a session that stays cancelled."""
        if self.before.status == self.after.status == SessionStatus.CANCELLED:
            return False
        return (
            self.is_time_changed
            or self.is_place_changed
            or self.is_worker_changed
            or self.is_cancelled
            or self.is_back_on
        )


def span_words(starts_at: datetime, ends_at: datetime, zone: ZoneInfo) -> str:
    """A session's time as a person reads it: 'Tue 24 Nov, 10:00–11:30'."""
    starts = starts_at.astimezone(zone)
    return f"{starts:%a} {starts.day} {starts:%b, %H:%M}–{ends_at.astimezone(zone):%H:%M}"


@dataclass(frozen=True)
class Notice:
    """The words of one change, as everyone told reads them (old → new)."""

    change: Change
    zone: ZoneInfo
    places: tuple[str, str]  # before, after
    workers: tuple[str, str]  # the workers' first names, before and after ("" for none)

    @property
    def when(self) -> str:
        return span_words(self.change.after.starts_at, self.change.after.ends_at, self.zone)

    def carer_when(self, facts: SessionFacts) -> str:
        """The time a carer is given: their own when they must not meet the parent."""
        if facts.carer_arrives_at is None or facts.carer_leaves_at is None:
            return span_words(facts.starts_at, facts.ends_at, self.zone)
        own = span_words(facts.carer_arrives_at, facts.carer_leaves_at, self.zone)
        return f"{own} (your own times)"

    def lines(self, *, is_for_carer: bool = False) -> list[str]:
        """One line for each thing that changed."""
        before, after = self.change.before, self.change.after
        lines = []
        if self.change.is_time_changed and is_for_carer:
            lines.append(f"Time: {self.carer_when(before)} → {self.carer_when(after)}")
        elif self.change.is_time_changed:
            old = span_words(before.starts_at, before.ends_at, self.zone)
            lines.append(f"Time: {old} → {self.when}")
        if self.change.is_place_changed:
            lines.append(f"Where: {self.places[0]} → {self.places[1]}")
        if self.change.is_worker_changed:
            lines.append(
                f"Worker: {self.workers[0] or 'none named'} → "
                f"{self.workers[1] or 'to be confirmed'}"
            )
        return lines

    def for_carer(self, initials: str, office_phone: str) -> str:
        """One message to a carer about their children's session."""
        when = self.carer_when(self.change.after)
        if self.change.is_cancelled:
            return (
                f"❌ The service has cancelled the session for {initials} on {when} at "
                f"{self.places[1]}. Please don't come in for it.\n"
                "If you have questions about it, please ask the children's social worker or "
                f"the office on {office_phone}."
            )
        if self.change.is_back_on:
            head = f"✅ The session for {initials} on {when} at {self.places[1]} is back on."
            return "\n".join([head, *self.lines(is_for_carer=True)])
        worker = f", with {self.workers[1]}" if self.workers[1] else ""
        return "\n".join(
            [
                f"🔁 The service has changed the session for {initials}:",
                *self.lines(is_for_carer=True),
                f"It is now {when} at {self.places[1]}{worker}.",
                f"Questions: the office on {office_phone}.",
            ]
        )

    def for_workers(self, booked: Session, labels: str) -> dict[int, str]:
        """The worker's message, by person: the old and new one each their own on a handover."""
        before, after = self.change.before, self.change.after
        told: dict[int, str] = {}
        ref = f"Session {booked.ref}"
        if self.change.is_worker_changed and before.worker_id is not None:
            old = span_words(before.starts_at, before.ends_at, self.zone)
            told[before.worker_id] = (
                f"↪️ {ref} ({old}, {self.places[0]}) is no longer yours: the service has given "
                "it to another worker."
            )
        if after.worker_id is None:
            return told
        if self.change.is_cancelled:
            if not self.change.is_worker_changed:
                told[after.worker_id] = (
                    f"❌ {ref} ({self.when}, {self.places[1]}) is cancelled by the service."
                )
            return told
        if self.change.is_worker_changed:
            told[after.worker_id] = "\n".join(
                [
                    f"🗓 You now have session {booked.ref}: {self.when}, {self.places[1]}.",
                    f"Children: {labels}",
                    f"Supervision: {booked.supervision_level or 'not recorded'}",
                    "Please review the family's needs and risks before you start.",
                ]
            )
            return told
        head = f"✅ {ref} is back on." if self.change.is_back_on else f"🔁 {ref} has changed:"
        told[after.worker_id] = "\n".join(
            [head, *self.lines(), f"Now: {self.when}, {self.places[1]}. Children: {labels}"]
        )
        return told


async def tell_session_changed(
    uow: AsyncSession,
    config: ServiceConfig,
    booked: Session,
    before: SessionFacts,
    *,
    now: datetime,
    actor_person_id: int | None = None,
) -> bool:
    """Record and announce one session's change by the service; False when nothing changed
    that anyone relies on, or the session is already over (then nobody needs telling)."""
    change = Change(before, SessionFacts.of(booked))
    if not change.matters:
        return False
    await uow.flush()  # the session's children as just set
    event = record_audit(
        uow,
        CHANGED,
        at=now,
        actor_person_id=actor_person_id,
        subject=audit_subject("session", booked.id),
        session_id=booked.id,
        before=_as_json(change.before),
        after=_as_json(change.after),
    )
    await withdraw_queued_reminders(uow, booked.id, now=now)
    if max(before.ends_at, booked.ends_at) <= now:
        return False  # a correction to the record of a session already over
    await uow.flush()  # the event's id goes in the messages' keys
    notice = Notice(
        change,
        ZoneInfo(config.timezone),
        (
            await place_line(uow, before.venue_code, before.room),
            await place_line(uow, booked.venue_code, booked.room),
        ),
        (await _first_name(uow, before.worker_id), await _first_name(uow, booked.worker_id)),
    )
    for carer_id, initials in (await _carers_of(uow, booked)).items():
        text = notice.for_carer(initials, config.contacts.office_phone)
        await _tell(
            uow, carer_id, text, key=f"session-change:{event.id}:person:{carer_id}", now=now
        )
    labels = ", ".join(child.label for child in booked.children) or "none listed"
    for worker_id, text in notice.for_workers(booked, labels).items():
        await _tell(
            uow, worker_id, text, key=f"session-change:{event.id}:person:{worker_id}", now=now
        )
    new_worker = booked.worker_id if change.is_worker_changed else None
    if new_worker and booked.status == SessionStatus.SCHEDULED and await can_reach(uow, new_worker):
        ctx = ServiceContext(config, FixedClock(now))
        await pass_cards_to_new_worker(uow, booked, new_worker, ctx)
    return True


def _as_json(facts: SessionFacts) -> dict[str, str | int | None]:
    return {
        "starts_at": facts.starts_at.isoformat(),
        "ends_at": facts.ends_at.isoformat(),
        "venue": facts.venue_code,
        "room": facts.room,
        "worker_id": facts.worker_id,
        "status": facts.status,
    }


async def _first_name(uow: AsyncSession, person_id: int | None) -> str:
    person = await uow.get(Person, person_id) if person_id is not None else None
    return person.first_name if person is not None else ""


async def _carers_of(uow: AsyncSession, booked: Session) -> dict[int, str]:
    """Each carer of the session's children, with the initials of the ones they look after."""
    by_id = {child.id: child for child in booked.children}
    rows = await uow.execute(
        select(child_carers.c.person_id, child_carers.c.child_id)
        .where(child_carers.c.child_id.in_(by_id))
        .order_by(child_carers.c.person_id, child_carers.c.child_id)
    )
    carers: dict[int, list[str]] = {}
    for carer_id, child_id in rows:
        carers.setdefault(carer_id, []).append(by_id[child_id].initials)
    return {carer_id: ", ".join(initials) for carer_id, initials in carers.items()}


async def _tell(uow: AsyncSession, person_id: int, text: str, *, key: str, now: datetime) -> None:
    if await can_reach(uow, person_id):
        await queue_delivery(
            uow,
            SendMessage(text, protect_content=True),
            now=now,
            person_id=person_id,
            priority=Priority.REPLY,
            dedupe_key=key,
        )
