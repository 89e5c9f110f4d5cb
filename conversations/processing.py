"""Work through the inbox: each update handled once, in its own unit of work."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from conversations.replies import Reply
from conversations.router import route_event
from handlers.chat import ChatEvent
from handlers.context import ServiceContext
from handlers.inbox import claim_next_update
from storage.database import Database

log = logging.getLogger(__name__)

MAX_CONFLICT_RETRIES = 5
SORRY = "Sorry, something went wrong on my side. Please try that again in a minute."


async def process_pending_updates(
    db: Database, ctx: ServiceContext, on_committed: Callable[[], None] = lambda: None
) -> int:
    """Handle every unprocessed update in update_id order; returns how many were handled.

    `on_committed` runs after each update's unit of work, so its replies go out at once.
    """
    handled = 0
    conflicts = 0
    while True:
        try:
            done = await _process_one(db, ctx)
        except (StaleDataError, IntegrityError):
            # Someone else changed the same conversation first: redo it from fresh state.
            conflicts += 1
            if conflicts > MAX_CONFLICT_RETRIES:
                raise
            log.info("conversation changed concurrently; retrying update")
            continue
        if not done:
            return handled
        on_committed()
        handled += 1
        conflicts = 0


async def _process_one(db: Database, ctx: ServiceContext) -> bool:
    async with db.unit_of_work() as session:
        row = await claim_next_update(session, skip_locked=db.is_postgres)
        if row is None:
            return False
        event = ChatEvent.from_json(row.event)
        try:
            async with session.begin_nested():
                outcome = await route_event(session, event, ctx)
        except (StaleDataError, IntegrityError):
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
        return True
