"""The worker's return card: after a session, the carers hear how it went for their children.

Who came, what the child ate or drank, changes, sleep, mood, and any incident or injury. A card
is for one home: the children of the session who share their carers. Those carers get it; an
incident or injury also goes to those children's social workers, protected. A session whose
children live in different homes gets one card for each, so no home reads about another's child.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from handlers.delivery.chat import SendMessage
from handlers.delivery.outbox import queue_delivery
from handlers.service.audit import audit_subject, record_audit
from handlers.service.context import ServiceContext
from storage.models import (
    Child,
    Person,
    Priority,
    ReturnCard,
    Role,
    Session,
    SessionStatus,
    TelegramLink,
)

RETURN_START = "returncard"  # the command


@dataclass(frozen=True)
class ReturnAnswers:
    """The card's answers, in the worker's words; `incident` is None when there was none."""

    attended: str
    food: str
    changes: str
    sleep: str
    mood: str
    incident: str | None


class NotYourRecentSession(Exception):
    """The session isn't this worker's, was cancelled, hasn't started or ended too long ago."""


class NotOneHome(Exception):
    """The children named aren't exactly one home's children in the session (their carers
    changed meanwhile, or the choice was forged)."""


def homes_of(booked: Session) -> list[list[Child]]:
    """The session's children grouped by home (the same carers), in the session's order."""
    homes: dict[frozenset[int], list[Child]] = {}
    for child in booked.children:
        homes.setdefault(frozenset(p.id for p in child.carers), []).append(child)
    return list(homes.values())


async def sessions_for_return_card(
    uow: AsyncSession, worker_id: int, ctx: ServiceContext
) -> list[Session]:
    """The worker's sessions under way or ended within the configured days, newest first."""
    now = ctx.now()
    since = now - timedelta(days=ctx.config.handover.return_card_days)
    result = await uow.scalars(
        select(Session)
        .where(
            Session.worker_id == worker_id,
            Session.status != SessionStatus.CANCELLED.value,
            Session.starts_at <= now,
            Session.ends_at > since,
        )
        .order_by(Session.starts_at.desc())
        .options(selectinload(Session.children).selectinload(Child.carers))
    )
    return list(result)


async def send_return_card(
    uow: AsyncSession,
    *,
    worker: Person,
    session_id: int,
    child_ids: frozenset[int],
    answers: ReturnAnswers,
    ctx: ServiceContext,
) -> str:
    """Keep one home's card and send it to its carers (and, for an incident, the children's
    social workers)."""
    booked = next(
        (s for s in await sessions_for_return_card(uow, worker.id, ctx) if s.id == session_id),
        None,
    )
    if booked is None:
        raise NotYourRecentSession(session_id)
    home = next((h for h in homes_of(booked) if {c.id for c in h} == child_ids), None)
    if home is None:
        raise NotOneHome(session_id)
    now = ctx.now()
    card = ReturnCard(
        session_id=booked.id,
        worker_id=worker.id,
        attended=answers.attended,
        food=answers.food,
        changes=answers.changes,
        sleep=answers.sleep,
        mood=answers.mood,
        incident=answers.incident,
        sent_at=now,
    )
    uow.add(card)
    await uow.flush()
    everyone = {p.id: p for c in home for p in c.carers if p.is_active}
    if answers.incident:
        for child in home:
            social_worker = (
                await uow.get(Person, child.social_worker_id) if child.social_worker_id else None
            )
            if social_worker is not None and social_worker.is_active:
                everyone[social_worker.id] = social_worker
    reached = await _reachable(uow, everyone)
    carers = {i: p for i, p in reached.items() if p.role == Role.CARER.value}
    social_workers = {i: p for i, p in reached.items() if p.role != Role.CARER.value}
    missed = [p for i, p in everyone.items() if i not in reached]
    record_audit(
        uow,
        "return_card.sent",
        at=now,
        actor_person_id=worker.id,
        subject=audit_subject("session", booked.id),
        card=card.id,
        children=[c.ref for c in home],
        incident=answers.incident is not None,
        told=sorted([*carers, *social_workers]),
    )
    for carer in carers.values():
        theirs = [c.initials for c in home if any(p.id == carer.id for p in c.carers)]
        await queue_delivery(
            uow,
            SendMessage(return_text(card, booked, worker, ", ".join(theirs), ctx)),
            now=now,
            person_id=carer.id,
            priority=Priority.REPLY,
            dedupe_key=f"return:{card.id}:person:{carer.id}",
        )
    for social_worker in social_workers.values():
        theirs = [c.label for c in home if c.social_worker_id == social_worker.id]
        await queue_delivery(
            uow,
            SendMessage(
                f"⚠ An incident or injury is on this return card (session {booked.ref}).\n"
                + return_text(card, booked, worker, ", ".join(theirs), ctx),
                protect_content=True,
            ),
            now=now,
            person_id=social_worker.id,
            priority=Priority.REPLY,
            dedupe_key=f"return:{card.id}:person:{social_worker.id}",
        )
    return _reply(carers, social_workers, missed, ctx)


async def _reachable(uow: AsyncSession, ids: Iterable[int | None]) -> dict[int, Person]:
    """The active people with these ids whom the bot can reach."""
    found: dict[int, Person] = {}
    for person_id in ids:
        person = await uow.get(Person, person_id) if person_id is not None else None
        if person is not None and person.is_active and await _on_the_bot(uow, person.id):
            found[person.id] = person
    return found


async def _on_the_bot(uow: AsyncSession, person_id: int) -> bool:
    """Linked, and Telegram has not refused them for good."""
    link = await uow.get(TelegramLink, person_id)
    return link is not None and link.is_reachable


def _reply(
    carers: dict[int, Person],
    social_workers: dict[int, Person],
    missed: list[Person],
    ctx: ServiceContext,
) -> str:
    """What the worker reads: who got the card, and whom to tell another way."""
    if carers:
        names = ", ".join(f"{p.first_name} (carer)" for p in carers.values())
        reply = f"📝 Return card sent to {names}."
    else:
        reply = "📝 The return card is saved, but no carer of the children is on the bot."
    if social_workers:
        names = ", ".join(f"{p.first_name} (social worker)" for p in social_workers.values())
        reply += f" The incident or injury also went to {names}."
    if missed:
        names = ", ".join(f"{p.first_name} ({_role(p)})" for p in missed)
        reply += f" Not on the bot, so please tell them another way: {names}."
    return reply


def _role(person: Person) -> str:
    return "social worker" if person.role == Role.SOCIAL_WORKER.value else person.role


def return_text(
    card: ReturnCard, booked: Session, worker: Person, children: str, ctx: ServiceContext
) -> str:
    """The card as it is read: children by initials (and reference for staff) only."""
    return "\n".join(
        [
            f"📝 Return card from {worker.first_name} (worker) after the session on "
            f"{ctx.show_time(booked.starts_at)} · {children or 'the children'}",
            f"Who came: {card.attended}",
            f"Ate or drank: {card.food}",
            f"Changes: {card.changes}",
            f"Sleep: {card.sleep}",
            f"Mood: {card.mood}",
            f"Incident or injury: {card.incident or 'none'}",
        ]
    )
