"""The outbox as a queue: which rows are due, what holds a chat's rows back, and the
statements the dispatcher runs on them (built once, since every claim runs them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    Select,
    bindparam,
    exists,
    func,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from scheduler.claim_rules import EditTarget
from storage.models import OutboxMessage, OutboxStatus, Person, Priority, TelegramLink

__all__ = [
    "MARK_SENDING",
    "MARK_SENT",
    "RENEW_LEASES",
    "SENDING",
    "due_rows",
    "find_chats_waiting",
    "find_earlier_edits",
    "load_recipients",
    "read_edit_target",
    "resolve_chat",
]

# A row's last_error from the moment its send may start until its outcome is recorded. Still
# there when the row is claimed again, its last send ended with no outcome (the process died or
# stopped mid-send): Telegram may have taken it, so the new try is counted like a send that timed
# out. A chat's later row in a claim is marked only when the one before it has been recorded,
# so a row that never left is never counted.
SENDING = "sending"


def _build_due_rows(*, alerts_only: bool, lock: bool) -> Select[OutboxMessage]:
    original = aliased(OutboxMessage)
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING.value,
            # Not the bare column: a range on it would lead the database to read every due row
            # through ix_outbox_due and sort them; this way it walks ix_outbox_queue in send
            # order and stops after the window, however many rows wait.
            func.coalesce(OutboxMessage.not_before, OutboxMessage.created_at) <= bindparam("now"),
            # Put aside because its chat was busy: out of every claim's window until then.
            or_(
                OutboxMessage.parked_until.is_(None),
                OutboxMessage.parked_until <= bindparam("paced_now"),
            ),
            # An edit waits until the message it edits has left the outbox.
            ~exists().where(
                original.id == OutboxMessage.edit_of_id,
                original.status == OutboxStatus.PENDING.value,
            ),
        )
        .order_by(OutboxMessage.priority, OutboxMessage.id)
        # Look further than one batch, so rows for chats at their limit don't starve the chats
        # behind them.
        .limit(bindparam("limit"))
    )
    if alerts_only:
        query = query.where(OutboxMessage.priority == Priority.ALERT.value)
    return query.with_for_update(skip_locked=True) if lock else query


# Built once, since every claim runs one: keyed by (alerts only, locked).
_DUE = {
    (alerts_only, lock): _build_due_rows(alerts_only=alerts_only, lock=lock)
    for alerts_only in (False, True)
    for lock in (False, True)
}


def due_rows(*, alerts_only: bool, lock: bool) -> Select[OutboxMessage]:
    """Due rows, most urgent first (locked, skipping locked ones, on PostgreSQL); run with
    {"now": ..., "paced_now": ..., "limit": ...}."""
    return _DUE[alerts_only, lock]

_CHAT = func.coalesce(OutboxMessage.chat_id, TelegramLink.chat_id)


def _pending_of_chats(*where: ColumnElement[bool]) -> Select[int | None, int, int]:
    return (
        select(_CHAT, OutboxMessage.priority, OutboxMessage.id)
        .select_from(OutboxMessage)
        .outerjoin(TelegramLink, TelegramLink.person_id == OutboxMessage.person_id)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING.value,
            _CHAT.in_(bindparam("chats", expanding=True)),
            OutboxMessage.id.not_in(bindparam("taken", expanding=True)),
            *where,
        )
    )


# Pending rows of some chats that a claim could not take. Run with {"chats": [...], "now": ...,
# "taken": [...], "last_priority": ..., "last_id": ...}, the place of the claim's last candidate:
# rows on their way or waiting to retry, and rows in the claim's window it did not get (locked
# by another instance's claim, or edits waiting for their message). A due row after the window
# comes after every candidate, so it holds none of them. Each part is one index range, so none
# reads the whole queue.
_WAITING = union_all(
    _pending_of_chats(OutboxMessage.not_before > bindparam("now")),
    _pending_of_chats(OutboxMessage.priority < bindparam("last_priority")),
    _pending_of_chats(
        OutboxMessage.priority == bindparam("last_priority"),
        OutboxMessage.id <= bindparam("last_id"),
    ),
)
# Pending edits of some messages but for those a claim took: {"edited": [...], "taken": [...]}.
_EARLIER_EDITS = (
    select(OutboxMessage.edit_of_id, func.min(OutboxMessage.id))
    .where(
        OutboxMessage.status == OutboxStatus.PENDING.value,
        OutboxMessage.edit_of_id.in_(bindparam("edited", expanding=True)),
        OutboxMessage.id.not_in(bindparam("taken", expanding=True)),
    )
    .group_by(OutboxMessage.edit_of_id)
)


async def read_edit_target(uow: AsyncSession, row: OutboxMessage) -> tuple[EditTarget, int | None]:
    """For an edit queued before its message was sent: whether that message is sent (and its
    id), still to be sent, or never will be."""
    if row.edit_of_id is None:
        return EditTarget.NONE, None
    original = await uow.get(OutboxMessage, row.edit_of_id)
    if original is not None and original.telegram_message_id is not None:
        return EditTarget.SENT, original.telegram_message_id
    if original is not None and original.status == OutboxStatus.PENDING.value:
        return EditTarget.PENDING, None
    return EditTarget.GONE, None


async def find_chats_waiting(
    uow: AsyncSession, now: datetime, chats: dict[int, int], candidates: list[OutboxMessage]
) -> dict[int, tuple[int, int]]:
    """For each chat these candidates go to, the place (priority, id) of its most urgent pending
    message that this claim cannot take: one on its way or waiting to retry, one another
    instance's claim has locked, or an edit waiting for its message.

    A later message of the same or lower priority waits behind it, so each chat sees its
    messages in order even when several instances send, whether a message was addressed to
    the chat (a reply) or to the person (a reminder); a more urgent one (an alert ping behind a
    reminder) does not wait, and an alert ping never waits: one stuck in a dead process's lease
    must not hold up the next level's ping.
    """
    if not chats:
        return {}
    last = candidates[-1]
    rows = await uow.execute(
        _WAITING,
        {
            "chats": list(set(chats.values())),
            "now": now,
            "taken": [row.id for row in candidates],
            "last_priority": last.priority,
            "last_id": last.id,
        },
    )
    waiting: dict[int, tuple[int, int]] = {}
    for chat_id, priority, row_id in rows:
        if chat_id is not None:  # the chat filter has already left out rows with no chat
            place = (int(priority), int(row_id))
            waiting[int(chat_id)] = min(waiting.get(int(chat_id), place), place)
    return waiting


async def find_earlier_edits(uow: AsyncSession, candidates: list[OutboxMessage]) -> dict[int, int]:
    """For each message these rows edit, its oldest pending edit that this claim cannot take
    (on its way, waiting to retry, or locked by another instance's claim).

    A later edit waits for it, so the last one shown is the last one made ("resolved" never
    lands before "taken"), even when two instances send. An alert ping itself never waits.
    """
    edited = {row.edit_of_id for row in candidates if row.edit_of_id is not None}
    if not edited:
        return {}
    rows = await uow.execute(
        _EARLIER_EDITS, {"edited": list(edited), "taken": [row.id for row in candidates]}
    )
    return {int(edited_id): int(first_id) for edited_id, first_id in rows if edited_id is not None}


async def load_recipients(uow: AsyncSession, rows: list[OutboxMessage]) -> None:
    """Read every recipient and link in two queries, so resolving each row needs none."""
    person_ids = {row.person_id for row in rows if row.person_id is not None}
    if person_ids:
        await uow.scalars(select(Person).where(Person.id.in_(person_ids)))
        await uow.scalars(select(TelegramLink).where(TelegramLink.person_id.in_(person_ids)))


async def resolve_chat(uow: AsyncSession, row: OutboxMessage) -> tuple[int | None, str | None]:
    """The chat to send to, or why the row's person can't be reached (it fails at once)."""
    if row.person_id is None:
        return row.chat_id, None
    person = await uow.get(Person, row.person_id)
    link = await uow.get(TelegramLink, row.person_id)
    reason = None
    if person is None or not person.is_active:
        reason = "person deactivated"
    elif link is None:
        reason = "person has not linked Telegram"
    elif not link.is_reachable and row.priority >= Priority.REMINDER:
        reason = f"reminders stopped: {link.unreachable_reason or 'unreachable'}"
        row.dedupe_key = None  # so it is queued again if still due once they are back
    if reason is None and link is not None:
        return link.chat_id, None
    return None, reason or "unreachable"


_OUTBOX = OutboxMessage.metadata.tables[OutboxMessage.__tablename__]
MARK_SENDING = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id == bindparam("row_id"), _OUTBOX.c.status == OutboxStatus.PENDING.value)
    .values(last_error=SENDING)
)
# Only rows still on their way: one whose outcome was recorded meanwhile (a backoff, a 429's
# pause) keeps the time that outcome gave it.
RENEW_LEASES = (
    update(_OUTBOX)
    .where(
        _OUTBOX.c.id.in_(bindparam("ids", expanding=True)),
        _OUTBOX.c.status == OutboxStatus.PENDING.value,
        _OUTBOX.c.last_error == SENDING,
    )
    .values(not_before=bindparam("until"))
)
MARK_SENT = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id == bindparam("row_id"))
    .values(
        status=OutboxStatus.SENT.value,
        sent_at=bindparam("sent_at"),
        telegram_message_id=bindparam("message_id"),
        last_error=None,
    )
)

