"""Conversation state kept in our own table, keyed by person, guarded by a version column."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.engine import FlowState
from handlers.identity import linked_person_query
from storage.models import ConversationState, Person


async def find_person_and_state(
    session: AsyncSession, telegram_user_id: int
) -> tuple[Person, ConversationState | None] | None:
    """The active person linked to this account (link loaded too) and their conversation row,
    in one query: every update starts here."""
    query = linked_person_query(telegram_user_id).add_columns(ConversationState)
    query = query.outerjoin(ConversationState, ConversationState.person_id == Person.id)
    found = (await session.execute(query)).first()
    if found is None:
        return None
    person, _link, row = found
    return person, row


def as_flow_state(row: ConversationState) -> FlowState:
    """The engine's view of a stored row."""
    return FlowState(row.flow, row.step, dict(row.data), tuple(row.history), row.nonce)


async def save_state(
    session: AsyncSession,
    person_id: int,
    row: ConversationState | None,
    state: FlowState | None,
    *,
    now: datetime,
) -> None:
    """Write the new state (or end the conversation); a concurrent change fails the commit."""
    if state is None:
        if row is not None:
            await session.delete(row)
        return
    if row is None:
        session.add(
            ConversationState(
                person_id=person_id,
                flow=state.flow,
                step=state.step,
                data=state.data,
                history=list(state.history),
                nonce=state.nonce,
                updated_at=now,
            )
        )
        return
    row.flow = state.flow
    row.step = state.step
    row.data = dict(state.data)
    row.history = list(state.history)
    row.nonce = state.nonce
    row.updated_at = now
