"""A carer's handover card: what the worker needs to know before the session starts.

On arrival the worker needs marks or bruises already there (so an explanation can be given to
the parent), the last feed and nappy change, health and mood, and any medicine with its
instructions. The carer can send it from the phone beforehand; only the session's worker gets it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.delivery.chat import SendMessage
from handlers.delivery.outbox import queue_delivery
from handlers.delivery.reachability import can_reach
from handlers.service.audit import audit_subject, record_audit
from handlers.service.context import ServiceContext
from storage.models import HandoverCard, Person, Priority, Session
from storage.session_queries import upcoming_sessions_of_carer

HANDOVER_START = "handover"  # the command, and the code of the reminder's start button


@dataclass(frozen=True)
class HandoverAnswers:
    """The card's four answers, in the carer's words."""

    marks: str
    care: str
    wellbeing: str
    medication: str


class SessionNotOpen(Exception):
    """The session has ended, was cancelled, or is not for this carer's children."""


async def sessions_for_handover(
    uow: AsyncSession, carer_id: int, ctx: ServiceContext
) -> list[Session]:
    """The carer's children's sessions that have not ended, today or tomorrow, soonest first."""
    within = timedelta(days=ctx.config.handover.lookahead_days)
    return await upcoming_sessions_of_carer(uow, carer_id, now=ctx.now(), within=within)


async def submit_handover(
    uow: AsyncSession,
    *,
    carer: Person,
    session_id: int,
    answers: HandoverAnswers,
    ctx: ServiceContext,
) -> str:
    """Keep the card, send it to the session's worker; returns what the carer reads."""
    booked = next(
        (s for s in await sessions_for_handover(uow, carer.id, ctx) if s.id == session_id),
        None,
    )
    if booked is None:
        raise SessionNotOpen(session_id)
    now = ctx.now()
    card = HandoverCard(
        session_id=booked.id,
        carer_id=carer.id,
        marks=answers.marks,
        care=answers.care,
        wellbeing=answers.wellbeing,
        medication=answers.medication,
        submitted_at=now,
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
    )
    worker = await uow.get(Person, booked.worker_id) if booked.worker_id else None
    when = ctx.show_time(booked.starts_at)
    if worker is None or not worker.is_active or not await can_reach(uow, worker.id):
        return (
            f"Thank you, the handover card for {when} is saved. Please also tell the Family "
            f"Time team on arrival, or phone {ctx.config.contacts.office_phone}."
        )
    await queue_delivery(
        uow,
        SendMessage(card_text(card, booked, carer, ctx), protect_content=True),
        now=now,
        person_id=worker.id,
        priority=Priority.REPLY,
        dedupe_key=f"handover:{card.id}:person:{worker.id}",
    )
    return f"Thank you, {worker.first_name} will read this before the session ({when})."


def card_text(card: HandoverCard, booked: Session, carer: Person, ctx: ServiceContext) -> str:
    """The card as the worker reads it: children by initials and reference only."""
    children = ", ".join(child.label for child in booked.children)
    return "\n".join(
        [
            f"📝 Handover card for session {booked.ref} ({ctx.show_time(booked.starts_at)}), "
            f"{children}, from {carer.first_name} (carer) at {ctx.local(card.submitted_at):%H:%M}",
            *card_lines(card),
        ]
    )


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
