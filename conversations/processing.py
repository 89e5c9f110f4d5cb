"""Work through the inbox: each update handled once, its effects committed with its mark."""

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
from handlers.inbox import claim_next_update, claim_oldest_updates
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

    Updates are handled a few at a time in one transaction, so a burst pays for one commit per
    batch rather than one per update; `on_committed` runs after each commit, so the replies go
    out at once. If anything in a batch fails, none of it is kept, and the next updates are
    handled one per transaction, each in a savepoint: a bug then costs only its own update an
    apology, and a conflict is retried from fresh state.
    """
    handled = 0
    conflicts = 0
    one_by_one = 0  # updates still to handle one at a time after a failed batch
    while True:
        careful = one_by_one > 0
        try:
            done = await _process_batch(db, ctx, 1 if careful else BATCH, careful=careful)
        except (StaleDataError, IntegrityError, OperationalError):
            # Someone else changed the same conversation first, or the database failed: nothing
            # of this batch was kept; redo it from fresh state.
            conflicts += 1
            if conflicts > MAX_CONFLICT_RETRIES:
                raise
            log.info("conversation changed concurrently; retrying update")
            one_by_one = BATCH
            continue
        except Exception:
            if careful:  # _process answers a bug itself; this is the database failing
                raise
            log.info("an update in a batch failed; handling the next ones one at a time")
            one_by_one = BATCH
            continue
        if not done:
            return handled
        on_committed()
        handled += done
        conflicts = 0
        one_by_one = max(0, one_by_one - done)


async def _process_batch(db: Database, ctx: ServiceContext, limit: int, *, careful: bool) -> int:
    async with db.unit_of_work() as session:
        if db.is_postgres:
            done = 0
            while done < limit and (row := await claim_next_update(session)) is not None:
                await _process(session, row, ctx, careful=careful)
                await session.flush()  # the next claim must see this one as processed
                done += 1
            return done
        # SQLite: this transaction holds the only write lock, so the batch is claimed at once.
        rows = await claim_oldest_updates(session, limit)
        for row in rows:
            await _process(session, row, ctx, careful=careful)
        return len(rows)


async def _process(
    session: AsyncSession, row: InboxUpdate, ctx: ServiceContext, *, careful: bool
) -> None:
    event = ChatEvent.from_json(row.event)
    if not careful:  # a failure rolls back the whole batch (see process_pending_updates)
        outcome = await route_event(session, event, ctx)
    else:
        try:
            async with session.begin_nested():
                outcome = await route_event(session, event, ctx)
        except (StaleDataError, IntegrityError, OperationalError):
            # A conflict, or the database failing (a lock timeout, a deadlock, the server
            # gone): nothing is kept, and the update is tried again rather than answered.
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
