"""Conversation state kept in our own table, keyed by person, guarded by a version column."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.engine import FlowState
from handlers.people import LINKED_PERSON
from storage.models import ConversationState, Person, TelegramLink

_PERSON_AND_STATE = LINKED_PERSON.add_columns(ConversationState).outerjoin(
    ConversationState, ConversationState.person_id == Person.id
)
_READ_BY_IT = (Person, TelegramLink, ConversationState)


async def find_person_and_state(
    uow: AsyncSession, telegram_user_id: int
) -> tuple[Person, TelegramLink, ConversationState | None] | None:
    """The active person linked to this account, their link and their conversation row, in
    one query: every update starts here."""
    params = {"telegram_user_id": telegram_user_id}
    if _changes_any(uow, _READ_BY_IT):
        found = (await uow.execute(_PERSON_AND_STATE, params)).first()
    else:
        # Earlier updates in this transaction left only writes this query can't see (replies,
        # processed marks): leave them to be flushed together rather than one update at a time.
        with uow.no_autoflush:
            found = (await uow.execute(_PERSON_AND_STATE, params)).first()
    if found is None:
        return None
    person, link, row = found
    return person, link, row


def _changes_any(uow: AsyncSession, kinds: tuple[type, ...]) -> bool:
    """Whether the session holds unflushed changes to rows of these kinds."""
    return any(isinstance(obj, kinds) for obj in (*uow.new, *uow.dirty, *uow.deleted))


def as_flow_state(row: ConversationState) -> FlowState:
    """The engine's view of a stored row."""
    return FlowState(
        row.flow,
        row.step,
        dict(row.data),
        tuple(row.history),
        row.nonce,
        row.tag or "",
        row.return_to,
    )


async def save_state(
    uow: AsyncSession,
    person_id: int,
    row: ConversationState | None,
    state: FlowState | None,
    *,
    now: datetime,
    prompt_key: str | None = None,
) -> None:
    """Write the new state (or end the conversation); a concurrent change fails the commit.

    `prompt_key` is the outbox key of the question now on screen, so its buttons can go later.
    """
    if state is None:
        if row is not None:
            await uow.delete(row)
        return
    if row is None:
        uow.add(
            ConversationState(
                person_id=person_id,
                flow=state.flow,
                step=state.step,
                data=state.data,
                history=list(state.history),
                nonce=state.nonce,
                updated_at=now,
                tag=state.tag,
                prompt_key=prompt_key,
                return_to=state.return_to,
            )
        )
        return
    row.flow = state.flow
    row.step = state.step
    row.data = dict(state.data)
    row.history = list(state.history)
    row.nonce = state.nonce
    row.updated_at = now
    row.tag = state.tag
    row.prompt_key = prompt_key
    row.return_to = state.return_to
