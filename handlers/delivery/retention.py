"""The retention purge: handled inbox rows, settled outbox rows, forms put aside and past
pre-visit bookings go once their time is up.

Each call deletes one bounded batch, so a purge never holds a lock for long; the caller commits
between batches. Inbox and outbox rows that go are counted (purged_counts), so running totals
never go down. The audit timeline is never purged: it is append-only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, exists, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import (
    AlertPing,
    InboxUpdate,
    OutboxMessage,
    OutboxStatus,
    PrevisitBooking,
    PurgedCount,
    PutAsideForm,
    SessionReport,
)

PURGE_BATCH = 500
SETTLED = (OutboxStatus.SENT.value, OutboxStatus.FAILED.value)
_BULK = {"synchronize_session": False}  # nothing in the session is among these rows


async def purge_inbox(uow: AsyncSession, *, before: datetime, limit: int = PURGE_BATCH) -> int:
    """Delete up to `limit` updates handled before `before`; unhandled ones always stay.

    Telegram resends an update for a day at most, so an old update id can't come back.
    """
    doomed = (
        select(InboxUpdate.update_id)
        .where(InboxUpdate.processed_at < before)
        .order_by(InboxUpdate.update_id)
        .limit(limit)
        .with_for_update(skip_locked=True)  # another instance purging takes other rows
    )
    result = await uow.execute(
        delete(InboxUpdate).where(InboxUpdate.update_id.in_(doomed)), execution_options=_BULK
    )
    count = _count(result)
    await _add_to_total(uow, "inbox", count)
    return count


async def purge_outbox(uow: AsyncSession, *, before: datetime, limit: int = PURGE_BATCH) -> int:
    """Delete up to `limit` messages sent, and as many failed, before `before`.

    Kept whatever their age: messages still to be sent, a message an edit points at (the edit
    needs its Telegram id; once the edit goes, a later batch takes it), and a message an alert
    ping points at (the alert's later edits need it, for as long as the alert is kept).
    """
    purged = 0
    edit = aliased(OutboxMessage)
    for status in SETTLED:
        doomed = (
            select(OutboxMessage.id)
            .where(
                OutboxMessage.status == status,
                OutboxMessage.not_before < before,  # never after it was sent: narrows by index
                or_(OutboxMessage.sent_at.is_(None), OutboxMessage.sent_at < before),
                ~exists().where(edit.edit_of_id == OutboxMessage.id),
                OutboxMessage.id.not_in(select(AlertPing.outbox_id)),
            )
            .order_by(OutboxMessage.id)
            .limit(limit)
            .with_for_update(of=OutboxMessage, skip_locked=True)
        )
        result = await uow.execute(
            delete(OutboxMessage).where(OutboxMessage.id.in_(doomed)), execution_options=_BULK
        )
        count = _count(result)
        await _add_to_total(uow, f"outbox:{status}", count)
        purged += count
    return purged


async def purge_put_aside_forms(
    uow: AsyncSession, *, before: datetime, limit: int = PURGE_BATCH
) -> int:
    """Delete up to `limit` forms put aside before `before`, answers and all: a form nobody
    came back to must not keep what was typed into it for longer than the service allows."""
    doomed = (
        select(PutAsideForm.person_id, PutAsideForm.flow)
        .where(PutAsideForm.put_aside_at < before)
        .order_by(PutAsideForm.put_aside_at)
        .limit(limit)
    )
    keys = [tuple(row) for row in await uow.execute(doomed)]
    if not keys:
        return 0
    result = await uow.execute(
        delete(PutAsideForm).where(
            tuple_(PutAsideForm.person_id, PutAsideForm.flow).in_(keys),
            PutAsideForm.put_aside_at < before,  # not one carried on and put aside again since
        ),
        execution_options=_BULK,
    )
    return _count(result)


async def purge_previsits(
    uow: AsyncSession, *, before: datetime, limit: int = PURGE_BATCH
) -> int:
    """Delete up to `limit` pre-visit bookings that ended before `before`, with the routine,
    school and clubs the carer typed; the audit timeline keeps that they were booked."""
    doomed = (
        select(PrevisitBooking.id)
        .where(PrevisitBooking.ends_at < before)
        .order_by(PrevisitBooking.id)
        .limit(limit)
    )
    ids = list(await uow.scalars(doomed))
    if not ids:
        return 0
    result = await uow.execute(
        delete(PrevisitBooking).where(PrevisitBooking.id.in_(ids)), execution_options=_BULK
    )
    return _count(result)


async def purge_report_pdfs(
    uow: AsyncSession, *, before: datetime, limit: int = PURGE_BATCH
) -> int:
    """Drop up to `limit` session reports' PDFs sent before `before` (the report's row, its
    status and times stay; the case system keeps the copy that was sent)."""
    doomed = (
        select(SessionReport.id)
        .where(SessionReport.sent_at < before, SessionReport.pdf.is_not(None))
        .order_by(SessionReport.id)
        .limit(limit)
    )
    ids = list(await uow.scalars(doomed))
    if not ids:
        return 0
    result = await uow.execute(
        update(SessionReport).where(SessionReport.id.in_(ids)).values(pdf=None),
        execution_options=_BULK,
    )
    return _count(result)


async def _add_to_total(uow: AsyncSession, kind: str, count: int) -> None:
    """Count what went, in the same transaction, so /metrics' totals never go down."""
    if not count:
        return
    result = await uow.execute(
        update(PurgedCount).where(PurgedCount.kind == kind).values(count=PurgedCount.count + count)
    )
    if not _count(result):  # the migration creates every kind's row; a schema made otherwise
        uow.add(PurgedCount(kind=kind, count=count))


def _count(result: Any) -> int:
    return int(cast(CursorResult[Any], result).rowcount or 0)
