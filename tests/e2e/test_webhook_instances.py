"""Two webhook instances behind one load balancer on one database: each update has one effect."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator

from aiohttp import web
from sqlalchemy import func, select

from bot.app import FamilyTimeApp, Webhook
from bot.wiring import make_gateway
from storage.models import InboxUpdate
from tests.e2e.fixtures import CARER, COORDINATOR, OTHER_CARER, WORKER
from tests.e2e.harness import SCENARIO_LIMITS, TOKEN, Harness
from tests.e2e.test_webhook import PATH, SECRET, free_port, post

PEOPLE = {CARER: "C1", OTHER_CARER: "C2", WORKER: "W1", COORDINATOR: "K1"}
ROUNDS = 4  # each person sends /help and "hello" this many times, as fast as they can
HELP = "Here's what you can do:"
UNSURE_LINE = "I'm not sure what you need. Tap a button below, or send /help."


@contextlib.asynccontextmanager
async def load_balancer(port: int, backends: list[str]) -> AsyncIterator[list[int]]:
    """Round-robin each POST to the next instance, as a load balancer would."""
    turns = itertools.cycle(range(len(backends)))
    counts = [0] * len(backends)

    async def forward(request: web.Request) -> web.Response:
        n = next(turns)
        counts[n] += 1
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        return web.Response(status=await post(backends[n], await request.json(), secret))

    app = web.Application()
    app.router.add_post(PATH, forward)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield counts
    finally:
        await runner.cleanup()


def instance(h: Harness, public_url: str, port: int) -> FamilyTimeApp:
    """One more bot process behind the balancer (here, in this event loop)."""
    return FamilyTimeApp(
        h.db,
        make_gateway(h.runtime, TOKEN, h.root, poll_timeout=1),
        h.config,
        h.clock,
        tick_seconds=0.2,
        webhook=Webhook(
            url=public_url, secret=SECRET, listen_host="127.0.0.1", listen_port=port, path=PATH
        ),
        limits=SCENARIO_LIMITS,
    )


async def test_two_webhook_instances_handle_each_update_once_and_in_order(
    harness: Harness,
) -> None:
    h = harness
    for user_id, ref in PEOPLE.items():
        await h.link(user_id, ref)
    await h.stop_bot()  # from here on, only the two webhook instances run
    public = f"http://127.0.0.1:{free_port()}{PATH}"
    ports = [free_port(), free_port()]
    apps = [instance(h, public, port) for port in ports]
    backends = [f"http://127.0.0.1:{port}{PATH}" for port in ports]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(app.run(stop)) for app in apps]
    sent: list[int] = []
    try:
        for app in apps:
            await asyncio.wait_for(app.ready.wait(), 10)
        assert h.emulator.state.webhook_url == public
        async with load_balancer(int(public.split(":")[2].split("/")[0]), backends) as counts:
            for _ in range(ROUNDS):
                for user_id in PEOPLE:
                    sent.append(await h.send(user_id, "/help", settle=False))
                    sent.append(await h.send(user_id, "hello", settle=False))
            await h.settle(timeout=60)
            # Telegram retries a POST it thinks failed: the same update reaching both
            # instances again must have no further effect.
            repeated = h.emulator.state.sent_updates[sent[-1]]
            for backend in backends:
                assert await post(backend, repeated, SECRET) == 200
            await h.settle()
    finally:
        stop.set()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(task, 15)

    assert all(count > 0 for count in counts), counts  # both instances took a share
    for user_id in PEOPLE:
        firsts = [m.text.split("\n")[0] for m in h.unread(user_id)]
        assert firsts == [HELP, UNSURE_LINE] * ROUNDS, firsts
    async with h.db.unit_of_work() as uow:
        processed = await uow.scalar(
            select(func.count()).where(
                InboxUpdate.update_id.in_(sent), InboxUpdate.processed_at.is_not(None)
            )
        )
    assert processed == len(sent)
    h.assert_no_unexpected_messages()
