"""The worker taps *Read* on a handover card: the carer hears who read it and when, once."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from handlers.delivery.chat import SendMessage
from handlers.delivery.outbox import queue_delivery
from handlers.service.audit import audit_subject, record_audit
from handlers.service.context import ServiceContext
from handlers.sessions.handover import card_text, parse_read
from handlers.sessions.illness import children_of_carer
from handlers.sessions.no_meet import carer_when
from storage.models import HandoverCard, Person, Priority, Session


class Read(enum.StrEnum):
    """What became of a tap on Read."""

    DONE = "done"
    ALREADY = "already"  # read before: the carer was told then
    UNKNOWN = "unknown"  # forged, or a card for a session this person does not run


@dataclass(frozen=True)
class CardRead:
    """The outcome of a tap on Read, and the card as it now reads."""

    outcome: Read
    card: str = ""


async def mark_handover_read(
    uow: AsyncSession, *, person: Person, data: str, ctx: ServiceContext
) -> CardRead:
    """The session's worker has read the card: record it and tell the carer who sent it."""
    card_id = parse_read(data)
    card = await uow.get(HandoverCard, card_id) if card_id is not None else None
    booked = (
        await uow.get(Session, card.session_id, options=(selectinload(Session.children),))
        if card is not None
        else None
    )
    if card is None or booked is None or booked.worker_id != person.id:
        return CardRead(Read.UNKNOWN)
    if card.read_at is not None:
        return CardRead(Read.ALREADY)
    now = ctx.now()
    card.read_at, card.read_by_id = now, person.id
    record_audit(
        uow,
        "handover.read",
        at=now,
        actor_person_id=person.id,
        subject=audit_subject("handover", card.id),
        session_id=booked.id,
    )
    carer = await uow.get(Person, card.carer_id)
    if carer is None:
        return CardRead(Read.DONE)
    theirs = {child.id for child in await children_of_carer(uow, carer.id)}
    mine = ", ".join(c.initials for c in booked.children if c.id in theirs)
    await queue_delivery(
        uow,
        SendMessage(
            f"👁 Your handover card for {carer_when(booked, ctx)}"
            f"{' · ' + mine if mine else ''} was read by {person.first_name} at "
            f"{ctx.local(now):%H:%M}."
        ),
        now=now,
        person_id=carer.id,
        priority=Priority.REPLY,
        dedupe_key=f"handover:{card.id}:read",
    )
    earlier = await uow.get(HandoverCard, card.updates_id) if card.updates_id else None
    text = card_text(card, booked, carer, ctx, earlier)
    return CardRead(
        Read.DONE, f"{text}\n✔ Read at {ctx.local(now):%H:%M}: the carer has been told."
    )
