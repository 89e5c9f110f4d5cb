"""Work through the inbox: each update handled once, its effects committed with its mark."""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter
from collections.abc import Callable, Sequence

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from conversations.capabilities import REGISTRY
from conversations.replies import Reply
from conversations.router import route_event
from handlers.delivery.chat import ChatEvent
from handlers.delivery.inbox import claim_next_update, claim_oldest_updates, mark_processed
from handlers.delivery.sender_limits import SLOW_DOWN, Admission, admit_update, load_senders
from handlers.service.context import ServiceContext
from storage.database import Database
from storage.models import ConversationState, InboxUpdate, TelegramLink

log = logging.getLogger(__name__)

MAX_CONFLICT_RETRIES = 5
# PostgreSQL errors worth a retry that asyncpg reports as plain DBAPIErrors: a serialization
# failure, a deadlock, a lock not available in time (lock_timeout).
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01", "55P03"})
BATCH = 20  # updates per transaction at most: a burst commits once per batch
SORRY = "Sorry, something went wrong on my side. Please try that again in a minute."


async def process_pending_updates(
    db: Database,
    ctx: ServiceContext,
    on_committed: Callable[[Sequence[str]], None] = lambda _outcomes: None,
) -> int:
    """Handle every unprocessed update in update_id order; returns how many were handled.

    Updates are handled a few at a time in one transaction, so a burst pays for one commit per
    batch rather than one per update; `on_committed` runs after each commit with the outcomes
    committed (`report_done`, say), so the replies go out at once and what they set going
    follows. If anything in a batch fails, none of it is kept, and the next updates are
    handled one per transaction, each in a savepoint: a bug then costs only its own update an
    apology, and a conflict is retried from fresh state.
    """
    handled = 0
    conflicts = 0  # failures in a row that no single update can be blamed for
    failures: Counter[int] = Counter()  # update_id: its failures in a row
    one_by_one = 0  # updates still to handle one at a time after a failed batch
    while True:
        careful = one_by_one > 0
        claimed: list[int] = []
        outcomes: list[str] = []
        try:
            done = await _process_batch(
                db,
                ctx,
                1 if careful else BATCH,
                careful=careful,
                claimed=claimed,
                outcomes=outcomes,
            )
        except Exception as exc:
            if not _is_conflict(exc):
                if careful:  # _process answers a bug itself; this is the database failing
                    raise
                log.info("an update in a batch failed; handling the next ones one at a time")
                one_by_one = BATCH
                continue
            # Someone else changed the same conversation first, or the database failed: nothing
            # of this batch was kept; redo it from fresh state.
            one_by_one = BATCH
            if careful and claimed:  # one update, and it failed
                update_id = claimed[0]
                failures[update_id] += 1
                # A little longer each time, with jitter, so a run of real conflicts passes.
                await asyncio.sleep(random.uniform(0, 0.02) * 2 ** failures[update_id])
                if failures[update_id] > MAX_CONFLICT_RETRIES:
                    # Failing every time is a bug, not a conflict: it must not hold up
                    # everyone's updates behind it. If even this fails, the database is down.
                    if await _give_up(db, ctx, update_id):
                        on_committed(("error",))
                        handled += 1
                    del failures[update_id]
                    continue
            else:
                conflicts += 1
                if conflicts > MAX_CONFLICT_RETRIES:
                    raise
            log.info("conversation changed concurrently; retrying update")
            continue
        if not done:
            return handled
        on_committed(outcomes)
        handled += done
        conflicts = 0
        failures.clear()
        one_by_one = max(0, one_by_one - done)


async def _give_up(db: Database, ctx: ServiceContext, update_id: int) -> bool:
    """Answer an update that fails every time with an apology and mark it handled."""
    async with db.unit_of_work() as uow:
        row = await uow.get(InboxUpdate, update_id, with_for_update=db.is_postgres)
        if row is None or row.processed_at is not None:
            return False  # another instance got there first
        log.error(
            "update %s failed %s times in a row; answered with an apology",
            update_id,
            MAX_CONFLICT_RETRIES + 1,
        )
        try:
            async with uow.begin_nested():
                await _apologise(uow, ChatEvent.from_json(row.event), ctx)
        except Exception:  # marked handled all the same: the inbox must move on
            log.exception("could not apologise for update %s", update_id)
        mark_processed(row, "error", now=ctx.now())
    return True


async def _process_batch(
    db: Database,
    ctx: ServiceContext,
    limit: int,
    *,
    careful: bool,
    claimed: list[int],
    outcomes: list[str],
) -> int:
    """Handle up to `limit` updates in one transaction; `claimed` gets their update_ids and
    `outcomes` what each came to."""
    async with db.unit_of_work() as uow:
        if db.is_postgres:
            done = 0
            while done < limit and (row := await claim_next_update(uow)) is not None:
                claimed.append(row.update_id)
                outcomes.append(await _process(uow, row, ctx, careful=careful))
                await uow.flush()  # the next claim must see this one as processed
                done += 1
            return done
        # SQLite: this transaction holds the only write lock, so the batch is claimed at once.
        rows = await claim_oldest_updates(uow, limit)
        claimed.extend(row.update_id for row in rows)
        await load_senders(uow, {r.telegram_user_id for r in rows if r.telegram_user_id})
        for row in rows:
            outcomes.append(await _process(uow, row, ctx, careful=careful))
        return len(rows)


async def _process(
    uow: AsyncSession, row: InboxUpdate, ctx: ServiceContext, *, careful: bool
) -> str:
    """Handle one update; returns what it came to (its outcome, kept on its inbox row)."""
    event = ChatEvent.from_json(row.event)
    admission = await admit_update(uow, event.telegram_user_id, ctx.now(), ctx.sender_limit)
    if admission is not Admission.HANDLE and await _is_urgent(uow, event):
        admission = Admission.HANDLE  # never dropped: the alert's own taps are few and vital
    if admission is not Admission.HANDLE:
        # A flood from one account: settled unread, so it costs nobody else anything.
        if admission is Admission.SLOW_DOWN:
            await Reply(uow, event, ctx).say(SLOW_DOWN)
        mark_processed(row, "throttled", now=ctx.now())
        return "throttled"
    if not careful:  # a failure rolls back the whole batch (see process_pending_updates)
        outcome = await route_event(uow, event, ctx)
    else:
        try:
            async with uow.begin_nested():
                outcome = await route_event(uow, event, ctx)
        except Exception as exc:
            if _is_conflict(exc):
                # A conflict, or the database failing (a lock timeout, a deadlock, the server
                # gone): nothing is kept, and the update is tried again rather than answered.
                raise
            # A bug must not poison the inbox or leave the person without an answer.
            log.exception("update %s failed", row.update_id)
            outcome = "error"
            await _apologise(uow, event, ctx)
    mark_processed(row, outcome, now=ctx.now())
    return outcome


async def _is_urgent(uow: AsyncSession, event: ChatEvent) -> bool:
    """Whether a linked person's update raises, answers or handles a safeguarding alert, or
    anything else the registry marks urgent (asked only when the account is over its limit, say
    after a backlog: such updates are handled all the same; a stranger's are not)."""
    found = (
        await uow.execute(
            select(TelegramLink.person_id, ConversationState.flow)
            .outerjoin(ConversationState, ConversationState.person_id == TelegramLink.person_id)
            .where(TelegramLink.telegram_user_id == event.telegram_user_id)
        )
    ).first()
    if found is None:
        return False
    return REGISTRY.is_urgent(event, found.flow)


async def _apologise(uow: AsyncSession, event: ChatEvent, ctx: ServiceContext) -> None:
    reply = Reply(uow, event, ctx)
    await reply.answer_button()
    await reply.say(SORRY)


def _is_conflict(exc: BaseException) -> bool:
    """Whether a failure is worth trying the update again from fresh state."""
    if isinstance(exc, StaleDataError | IntegrityError | OperationalError):
        return True
    return isinstance(exc, DBAPIError) and getattr(exc.orig, "sqlstate", None) in (
        RETRYABLE_SQLSTATES
    )
