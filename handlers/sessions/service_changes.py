"""When the service changes a session by a re-import: who is told what.

The carers of the session's children get one message naming what changed, old → new; the
worker hears too, and when the worker changes, the new one is told they now have it and the old
one that they no longer do. Reminders still waiting to go for the session are withdrawn, so none
goes out with the old time, room or worker; the next tick queues them afresh for the session as
it now is (and none for a cancelled one).
"""

from __future__ import annotations

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
from handlers.sessions.reminders import withdraw_queued_reminders
from handlers.sessions.service_change_notices import Change, Notice, SessionFacts
from storage.models import Person, Priority, Session, SessionStatus, child_carers

CHANGED = "session.changed_by_service"


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
    if not change.is_worth_telling:
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
    carers = await _carers_of(uow, booked) if notice.is_news_for_carer else {}
    for carer_id, initials in carers.items():
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
    """The session's facts for the audit trail, the carer's own times with them when set."""
    own = (facts.carer_arrives_at, facts.carer_leaves_at)
    return {
        "starts_at": facts.starts_at.isoformat(),
        "ends_at": facts.ends_at.isoformat(),
        "venue": facts.venue_code,
        "room": facts.room,
        "worker_id": facts.worker_id,
        "status": facts.status,
        **(
            {"carer_arrives_at": own[0].isoformat(), "carer_leaves_at": own[1].isoformat()}
            if own[0] is not None and own[1] is not None
            else {}
        ),
    }


async def _first_name(uow: AsyncSession, person_id: int | None) -> str:
    """A worker's first name for the notice, or "" when there is none."""
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
    """Queue one person's notice, protected, once under its key; nobody we can't reach."""
    if await can_reach(uow, person_id):
        await queue_delivery(
            uow,
            SendMessage(text, protect_content=True),
            now=now,
            person_id=person_id,
            priority=Priority.REPLY,
            dedupe_key=key,
        )
