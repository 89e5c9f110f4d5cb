"""Work through the inbox: each update handled once, in its own unit of work."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from conversations.replies import Reply
from conversations.router import route_event
from handlers.chat import ChatEvent
from handlers.context import ServiceContext
from handlers.inbox import claim_next_update
from storage.database import Database
from storage.models import InboxUpdate

log = logging.getLogger(__name__)

MAX_CONFLICT_RETRIES = 5
BATCH = 20  # updates per transaction at most: a burst commits once per batch
SORRY = "Sorry, something went wrong on my side. Please try that again in a minute."


async def process_pending_updates(
    db: Database, ctx: ServiceContext, on_committed: Callable[[], None] = lambda: None
) -> int:
    """Handle every unprocessed update in update_id order; returns how many were handled.

    Updates are handled a few at a time in one transaction (each in its own savepoint), so a
    burst pays for one commit per batch rather than one per update; `on_committed` runs after
    each commit, so the replies go out at once.
    """
    handled = 0
    conflicts = 0
    batch = BATCH
    while True:
        try:
            done = await _process_batch(db, ctx, batch)
        except (StaleDataError, IntegrityError, OperationalError):
            # Someone else changed the same conversation first: nothing of this batch was kept;
            # redo it one update at a time, from fresh state.
            conflicts += 1
            if conflicts > MAX_CONFLICT_RETRIES:
                raise
            log.info("conversation changed concurrently; retrying update")
            batch = 1
            continue
        if not done:
            return handled
        on_committed()
        handled += done
        conflicts = 0
        batch = BATCH


async def _process_batch(db: Database, ctx: ServiceContext, limit: int) -> int:
    async with db.unit_of_work() as session:
        done = 0
        while done < limit:
            row = await claim_next_update(session, skip_locked=db.is_postgres)
            if row is None:
                break
            await _process(session, row, ctx)
            await session.flush()  # the next claim must see this one as processed
            done += 1
        return done


async def _process(session: AsyncSession, row: InboxUpdate, ctx: ServiceContext) -> None:
    event = ChatEvent.from_json(row.event)
    try:
        async with session.begin_nested():
            outcome = await route_event(session, event, ctx)
    except (StaleDataError, IntegrityError, OperationalError):
        # A conflict, or the database failing (a lock timeout, a deadlock, the server gone):
        # nothing of the batch is kept, and the update is tried again rather than answered.
        raise
    except Exception:
        # A bug must not poison the inbox or leave the person without an answer.
        log.exception("update %s failed", row.update_id)
        outcome = "error"
        reply = Reply(session, event, ctx)
        await reply.answer_button()
        await reply.say(SORRY)
    row.processed_at = ctx.now()
    row.outcome = outcome[:40]
