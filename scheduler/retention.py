"""Runs the retention purge from the periodic work: hourly, a few short batches per tick."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from handlers.delivery.retention import (
    PURGE_BATCH,
    purge_inbox,
    purge_outbox,
    purge_previsits,
    purge_put_aside_forms,
    purge_report_pdfs,
)
from handlers.delivery.sender_limits import forget_quiet_senders
from handlers.service.context import ServiceContext
from storage.database import Database

log = logging.getLogger(__name__)

PURGE_EVERY = timedelta(hours=1)
BATCHES_PER_TICK = 10  # a backlog is worked off over the next ticks, never holding up a tick


class RetentionPurge:
    """Deletes what the retention settings say has been kept long enough, at most hourly."""

    def __init__(self, db: Database, ctx: ServiceContext) -> None:
        self._db = db
        self._ctx = ctx
        self._due_at: datetime | None = None  # the first tick purges

    async def run_if_due(self) -> int:
        """Purge if an hour has passed since the last complete purge; returns rows deleted."""
        now = self._ctx.now()
        if self._due_at is not None and now < self._due_at:
            return 0
        retention = self._ctx.config.retention
        inbox_before = now - timedelta(days=retention.inbox_days)
        outbox_before = now - timedelta(days=retention.outbox_days)
        forms_before = now - timedelta(days=self._ctx.config.put_aside_days)
        previsits_before = now - timedelta(days=retention.previsit_days)
        reports_before = now - timedelta(days=retention.report_days)
        purged = 0
        try:
            for _ in range(BATCHES_PER_TICK):
                async with self._db.unit_of_work() as uow:  # one short transaction a batch
                    inbox = await purge_inbox(uow, before=inbox_before, limit=PURGE_BATCH)
                    outbox = await purge_outbox(uow, before=outbox_before, limit=PURGE_BATCH)
                    senders = await forget_quiet_senders(
                        uow, before=inbox_before, limit=PURGE_BATCH
                    )
                    forms = await purge_put_aside_forms(uow, before=forms_before)
                    previsits = await purge_previsits(uow, before=previsits_before)
                    reports = await purge_report_pdfs(uow, before=reports_before)
                purged += inbox + outbox
                if max(inbox, outbox, senders, forms, previsits, reports) < PURGE_BATCH:
                    self._due_at = now + PURGE_EVERY
                    break
        except Exception:  # the purge must never stop escalations and reminders
            log.exception("the retention purge failed; trying again in an hour")
            self._due_at = now + PURGE_EVERY
        if purged:
            log.info("retention purge deleted %s inbox and outbox rows", purged)
        return purged
