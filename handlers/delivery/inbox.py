"""The inbox: every update is committed before it is acknowledged and processed exactly once.

It keeps only what exactly-once needs (the update id, the sender, whether and how it was
handled): an invite token is stored as its hash from the start, and the rest of an update's
content is dropped when it is marked processed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from handlers.delivery.chat import ChatEvent
from handlers.service.hashing import hash_token
from storage.models import InboxUpdate

# Marks a stored `/start` payload as the hash of what was sent; a deep-link payload is only
# [A-Za-z0-9_-], so nobody can send this themselves.
HASHED = "sha256:"
MAX_TOKEN_CHARS = 64


def stored_event(event: ChatEvent) -> dict[str, Any]:
    """The event as the inbox stores it: `/start <token>` keeps only the token's hash."""
    data = event.to_json()
    command, _, payload = (event.text or "").strip().partition(" ")
    if command.split("@", 1)[0] == "/start" and payload.strip():
        data["text"] = f"{command} {HASHED}{hash_token(payload.strip()[:MAX_TOKEN_CHARS])}"
    return data


def invite_token_hash(payload: str) -> str:
    """The hash to look an invite up by, from a stored `/start` payload (or a clear one)."""
    if payload.startswith(HASHED):
        return payload[len(HASHED) :]
    return hash_token(payload[:MAX_TOKEN_CHARS])


def mark_processed(row: InboxUpdate, outcome: str, *, now: datetime) -> None:
    """Settle an update, dropping its content: what was said lives on where it was used."""
    row.processed_at = now
    row.outcome = outcome[:40]
    row.event = {}


async def record_updates(
    uow: AsyncSession, updates: Sequence[tuple[int, ChatEvent | None]], *, now: datetime
) -> int:
    """Store new updates by update_id; repeats are ignored. Returns how many were new."""
    if not updates:
        return 0
    ids = [update_id for update_id, _ in updates]
    known = set(
        await uow.scalars(select(InboxUpdate.update_id).where(InboxUpdate.update_id.in_(ids)))
    )
    added = 0
    for update_id, event in updates:
        if update_id in known:
            continue
        known.add(update_id)
        uow.add(
            InboxUpdate(
                update_id=update_id,
                telegram_user_id=event.telegram_user_id if event else None,
                event=stored_event(event) if event else {},
                received_at=now,
                # Updates the bot does not handle (edits, joins…) are settled on arrival.
                processed_at=None if event else now,
                outcome=None if event else "ignored",
            )
        )
        added += 1
    return added


async def claim_next_update(uow: AsyncSession) -> InboxUpdate | None:
    """The oldest unprocessed update whose sender has no older one still waiting, locked
    (PostgreSQL, where several instances share the inbox).

    Another instance may hold a person's earlier update; this one then leaves that person
    alone, so each person's updates are handled one at a time, in order.
    """
    earlier = aliased(InboxUpdate)
    query = (
        select(InboxUpdate)
        .where(
            InboxUpdate.processed_at.is_(None),
            ~exists().where(
                earlier.telegram_user_id == InboxUpdate.telegram_user_id,
                earlier.processed_at.is_(None),
                earlier.update_id < InboxUpdate.update_id,
            ),
        )
        .order_by(InboxUpdate.update_id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return await uow.scalar(query)


async def claim_oldest_updates(uow: AsyncSession, limit: int) -> list[InboxUpdate]:
    """The oldest unprocessed updates, for a database that lets one writer in at a time (SQLite).

    The transaction holds the only write lock, so nobody else takes these meanwhile; handled in
    this order, each sender's updates are handled in theirs.
    """
    query = (
        select(InboxUpdate)
        .where(InboxUpdate.processed_at.is_(None))
        .order_by(InboxUpdate.update_id)
        .limit(limit)
    )
    return list(await uow.scalars(query))
