"""Webhook mode: Telegram POSTs updates here; each is in the inbox before we answer 200.

Only the webhook's path is served here; health and metrics listen apart (bot/health_server.py).
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from typing import Any

from aiohttp import web
from sqlalchemy.exc import IntegrityError

from bot.gateway import Gateway
from handlers.delivery.inbox import record_updates
from handlers.service.clock import Clock
from storage.database import Database

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookServer:
    """Receives updates for one bot; several instances may run behind one load balancer."""

    def __init__(
        self,
        db: Database,
        gateway: Gateway,
        clock: Clock,
        *,
        secret: str,
        path: str,
        on_recorded: Callable[[], None],
    ) -> None:
        self._db = db
        self._gateway = gateway
        self._clock = clock
        self._secret = secret.encode()
        self._path = path
        self._on_recorded = on_recorded
        self._runner: web.AppRunner | None = None

    async def start(self, host: str, port: int) -> int:
        """Listen; returns the port (useful when 0 asked for a free one)."""
        app = web.Application()
        app.router.add_post(self._path, self._receive)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        return int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER)
        if given is None:
            return web.Response(status=401, text="missing secret token")
        if not hmac.compare_digest(given.encode(), self._secret):
            return web.Response(status=403, text="wrong secret token")
        try:
            data: Any = await request.json()
            update_id = int(data["update_id"])
            event = self._gateway.parse_update(data)
        except Exception:
            log.warning("webhook body is not an update; refused")
            return web.Response(status=400, text="not an update")
        try:
            async with self._db.unit_of_work() as uow:
                await record_updates(uow, [(update_id, event)], now=self._clock.now())
        except IntegrityError:
            pass  # the same update arrived twice at once; the other request stored it
        self._on_recorded()
        return web.Response(status=200)
