"""A carer's handover card: what the worker needs to know before the session starts.

On arrival the worker needs marks or bruises already there (so an explanation can be given to
the parent), the last feed and nappy change, health and mood, and any medicine with its
instructions. The carer can send it from the phone beforehand; only the session's worker gets
it. A card sent again for the same session is an update that names the earlier one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from handlers.delivery.chat import Button, SendMessage, button_number
from handlers.delivery.outbox import queue_delivery
from handlers.delivery.reachability import can_reach
from handlers.service.audit import audit_subject, record_audit
from handlers.service.context import ServiceContext
from handlers.sessions.no_meet import carer_when
from storage.models import Child, HandoverCard, Person, Priority, Session
from storage.session_queries import upcoming_sessions_of_carer

HANDOVER_START = "handover"  # the command, and the code of the reminder's start button
READ_PREFIX = "hr:"  # the Read button on the worker's copy: hr:<card id>


def read_data(card_id: int) -> str:
    """Opaque button data for Read on one handover card."""
    return f"{READ_PREFIX}{card_id}"


def parse_read(data: str) -> int | None:
    """The card id from Read button data, or None if it is not well formed."""
    return button_number(data.removeprefix(READ_PREFIX)) if data.startswith(READ_PREFIX) else None


@dataclass(frozen=True)
class HandoverAnswers:
    """The card's four answers, in the carer's words; `is_marked` when marks were described."""

    marks: str
    care: str
    wellbeing: str
    medication: str
    is_marked: bool = False


@dataclass(frozen=True)
class HandoverSent:
    """What the carer reads, and the children not independently mobile who have marks."""

    reply: str
    session_id: int
    marked_not_mobile: tuple[str, ...] = ()  # their labels: initials and reference
    is_worker_told: bool = False  # the card went straight to the session's worker


class SessionNotOpen(Exception):
    """The session has ended, was cancelled, or is not for this carer's children."""


async def sessions_for_handover(
    uow: AsyncSession, carer_id: int, ctx: ServiceContext
) -> list[Session]:
    """The carer's children's sessions that have not ended, starting within the configured
    days, soonest first."""
    within = timedelta(days=ctx.config.handover.lookahead_days)
    return await upcoming_sessions_of_carer(uow, carer_id, now=ctx.now(), within=within)


async def cards_already_sent(uow: AsyncSession, session_ids: list[int]) -> dict[int, HandoverCard]:
    """The newest card already in for each of these sessions (those with none are left out)."""
    newest: dict[int, HandoverCard] = {}
    for card in await uow.scalars(
        select(HandoverCard)
        .where(HandoverCard.session_id.in_(session_ids))
        .order_by(HandoverCard.submitted_at, HandoverCard.id)
    ):
        newest[card.session_id] = card
    return newest


async def submit_handover(
    uow: AsyncSession,
    *,
    carer: Person,
    session_id: int,
    answers: HandoverAnswers,
    ctx: ServiceContext,
) -> HandoverSent:
    """Keep the card, send it to the session's worker with *Read*; says what the carer reads."""
    booked = next(
        (s for s in await sessions_for_handover(uow, carer.id, ctx) if s.id == session_id),
        None,
    )
    if booked is None:
        raise SessionNotOpen(session_id)
    now = ctx.now()
    earlier = (await cards_already_sent(uow, [booked.id])).get(booked.id)
    card = HandoverCard(
        session_id=booked.id,
        carer_id=carer.id,
        marks=answers.marks,
        care=answers.care,
        wellbeing=answers.wellbeing,
        medication=answers.medication,
        submitted_at=now,
        updates_id=earlier.id if earlier else None,
    )
    uow.add(card)
    await uow.flush()
    record_audit(
        uow,
        "handover.submitted",
        at=now,
        actor_person_id=carer.id,
        subject=audit_subject("handover", card.id),
        session_id=booked.id,
        updates=card.updates_id,
    )
    mine = await _carers_children(uow, booked, carer)
    marked = tuple(c.label for c in mine if not c.is_independently_mobile and answers.is_marked)
    worker = await uow.get(Person, booked.worker_id) if booked.worker_id else None
    when = carer_when(booked, ctx)
    if worker is None or not worker.is_active or not await can_reach(uow, worker.id):
        return HandoverSent(
            f"Thank you, the handover card for {when} is saved. Please also tell the Family "
            f"Time team on arrival, or phone {ctx.config.contacts.office_phone}.",
            booked.id,
            marked,
        )
    await queue_delivery(
        uow,
        SendMessage(
            card_text(card, booked, carer, ctx, earlier),
            keyboard=((Button("👁 Read", read_data(card.id)),),),
            protect_content=True,
        ),
        now=now,
        person_id=worker.id,
        priority=Priority.REPLY,
        dedupe_key=f"handover:{card.id}:person:{worker.id}",
    )
    update = (
        f" It adds to the card sent at {ctx.local(earlier.submitted_at):%H:%M}, and where an "
        "answer differs this one replaces it."
        if earlier
        else ""
    )
    return HandoverSent(
        f"Thank you, {worker.first_name} will read this before the session ({when}).{update} "
        "I'll tell you when they have.",
        booked.id,
        marked,
        is_worker_told=True,
    )


async def pass_cards_to_new_worker(
    uow: AsyncSession, booked: Session, worker_id: int, ctx: ServiceContext
) -> None:
    """A session given to another worker: the handover cards already in go to them, oldest
    first, each with *Read* while nobody has read it, so the carer still hears who read it."""
    earlier: HandoverCard | None = None
    for card in await cards_for(uow, booked.id):
        carer = await uow.get(Person, card.carer_id)
        if carer is not None:
            unread = card.read_at is None
            await queue_delivery(
                uow,
                SendMessage(
                    card_text(card, booked, carer, ctx, earlier),
                    keyboard=((Button("👁 Read", read_data(card.id)),),) if unread else (),
                    protect_content=True,
                ),
                now=ctx.now(),
                person_id=worker_id,
                priority=Priority.REPLY,
                dedupe_key=f"handover:{card.id}:person:{worker_id}",
            )
        earlier = card


async def _carers_children(uow: AsyncSession, booked: Session, carer: Person) -> list[Child]:
    """The session's children whom this carer looks after."""
    children = await uow.scalars(
        select(Child)
        .where(Child.id.in_([c.id for c in booked.children]))
        .options(selectinload(Child.carers))
        .order_by(Child.id)
    )
    return [c for c in children if any(p.id == carer.id for p in c.carers)]


def card_text(
    card: HandoverCard,
    booked: Session,
    carer: Person,
    ctx: ServiceContext,
    earlier: HandoverCard | None = None,
) -> str:
    """The card as the worker reads it: children by initials and reference only."""
    children = ", ".join(child.label for child in booked.children)
    title = "📝 Updated handover card" if earlier else "📝 Handover card"
    lines = [
        f"{title} for session {booked.ref} ({ctx.show_time(booked.starts_at)}), "
        f"{children}, from {carer.first_name} (carer) at {ctx.local(card.submitted_at):%H:%M}"
    ]
    if earlier is not None:
        lines.append(
            f"It adds to the card sent at {ctx.local(earlier.submitted_at):%H:%M}; where an "
            "answer differs, this one replaces it."
        )
    return "\n".join([*lines, *card_lines(card)])


def card_lines(card: HandoverCard) -> list[str]:
    """The four answers, one line each."""
    return [
        f"Marks or bruises: {card.marks}",
        f"Last feed and nappy: {card.care}",
        f"Health and mood: {card.wellbeing}",
        f"Medicine: {card.medication}",
    ]


async def cards_for(uow: AsyncSession, session_id: int) -> list[HandoverCard]:
    """The handover cards in for a session, oldest first."""
    result = await uow.scalars(
        select(HandoverCard)
        .where(HandoverCard.session_id == session_id)
        .order_by(HandoverCard.submitted_at, HandoverCard.id)
    )
    return list(result)
