"""The PDF of each submitted report, made outside any transaction, in a thread.

A long report takes seconds to render: made while the worker's update was handled, it held up
every other update and, on SQLite, every write (an alert's pings among them). Here its facts
are gathered in one unit of work, it is rendered in a thread with none open, and it is stored
and sent in a second unit of work of its own, one report at a time, so an alert's unit of work
only ever waits for one short write. Its own loop (bot/app.py), apart from the due work's, so
a long render never holds up an escalation either.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from handlers.reports import (
    ReportToMake,
    deliver_made_report,
    next_report_to_make,
    render_report_pdf,
    report_not_made,
)
from handlers.service.context import ServiceContext
from storage.database import Database

log = logging.getLogger(__name__)

Render = Callable[[ReportToMake, str, datetime], bytes]


class ReportPdfs:
    """Makes and sends the PDF of every report submitted since the last pass."""

    def __init__(
        self,
        db: Database,
        ctx: ServiceContext,
        *,
        on_queued: Callable[[], None] = lambda: None,
        render: Render = render_report_pdf,
    ) -> None:
        self._db = db
        self._ctx = ctx
        self._on_queued = on_queued
        self._render = render
        self._not_made: set[int] = set()  # failed to render in this process: not tried again

    async def run_once(self) -> int:
        """Make each waiting report's PDF and send it; returns how many this pass sent."""
        sent = 0
        while True:
            async with self._db.unit_of_work() as uow:
                made = await next_report_to_make(uow, self._ctx, leaving_out=self._not_made)
            if made is None:
                return sent
            pdf = await self._rendered(made)
            if pdf is None:
                continue
            try:
                async with self._db.unit_of_work() as uow:
                    is_sent = await deliver_made_report(
                        uow, made, pdf, self._ctx, lock=self._db.is_postgres
                    )
            except IntegrityError:  # unlikely past the lock: the next pass looks again
                log.info("report %s: another instance sent it first", made.report_id)
                return sent
            if is_sent:
                sent += 1
                self._on_queued()

    async def _rendered(self, made: ReportToMake) -> bytes | None:
        """The PDF, rendered in a thread with no transaction open; None if it failed."""
        name = self._ctx.config.service_name
        try:
            return await asyncio.to_thread(self._render, made, name, made.submitted_at)
        except Exception:
            log.exception("report %s: its PDF could not be made", made.report_id)
        self._not_made.add(made.report_id)
        try:
            async with self._db.unit_of_work() as uow:
                await report_not_made(uow, made, self._ctx)
        except IntegrityError:
            log.info("report %s: the coordinators were told already", made.report_id)
        self._on_queued()
        return None
