"""Webhook mode: Telegram POSTs updates; the secret is checked; a repeated POST has one effect."""

from __future__ import annotations

import socket
from datetime import timedelta

import aiohttp
from sqlalchemy import func, select

from bot.app import Webhook
from storage.models import InboxUpdate, OutboxMessage
from tests.e2e.alert_steps import alert_pinged_on_site, one_ping
from tests.e2e.fixtures import CARER, COORDINATOR, MANAGER, STRANGER, TEAM_MANAGER, WORKER
from tests.e2e.harness import Harness

SECRET = "webhook-test-secret-0123456789abcdefghij"
PATH = "/telegram/test"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def switch_to_webhook(h: Harness) -> str:
    """Restart the bot in webhook mode (health and metrics apart); returns the webhook's URL."""
    await h.stop_bot()
    port = free_port()
    url = f"http://127.0.0.1:{port}{PATH}"
    await h.start_bot(
        webhook=Webhook(
            url=url, secret=SECRET, listen_host="127.0.0.1", listen_port=port, path=PATH
        ),
        health_listen=("127.0.0.1", 0),
    )
    assert h.emulator.state.webhook_url == url and h.emulator.state.webhook_secret == SECRET
    return url


async def post(url: str, body: object, secret: str | None) -> int:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    async with aiohttp.ClientSession() as http, http.post(url, json=body, headers=headers) as r:
        return r.status


async def add_stuck_message(h: Harness) -> None:
    """A message unsent for three minutes, held back for an hour (as by a long 429)."""
    async with h.db.unit_of_work() as uow:
        uow.add(
            OutboxMessage(
                chat_id=STRANGER,
                payload={"kind": "send", "text": "stuck", "keyboard": []},
                priority=10,
                status="pending",
                attempts=3,
                created_at=h.clock.now() - timedelta(minutes=3),
                not_before=h.clock.now() + timedelta(hours=1),
                last_error="Too Many Requests: retry after 3600",
            )
        )


def health_url(h: Harness, path: str) -> str:
    assert h.app is not None and h.app.health_port is not None
    return f"http://127.0.0.1:{h.app.health_port}{path}"


async def inbox_count(h: Harness) -> int:
    async with h.db.unit_of_work() as uow:
        return int(await uow.scalar(select(func.count(InboxUpdate.update_id))) or 0)


async def test_a_carer_links_and_reports_through_the_webhook(harness: Harness) -> None:
    h = harness
    await switch_to_webhook(h)
    await h.link(CARER, "C1")
    await h.send(CARER, "/illness")
    assert h.unread(CARER)[0].text == "Which child is ill?"
    await h.press(CARER, "A.B.")
    await h.press(CARER, "None of them")  # which sessions it affects
    assert "pass it on" in h.unread(CARER)[-1].text
    assert all(200 <= status < 300 for _, status in h.emulator.state.webhook_posts)
    h.assert_no_unexpected_messages()


async def test_a_repeated_webhook_post_has_one_effect(harness: Harness) -> None:
    h = harness
    url = await switch_to_webhook(h)
    update_id = await h.send(STRANGER, "hello")
    (reply,) = h.unread(STRANGER)
    assert "invited" in reply.text
    update = h.emulator.state.sent_updates[update_id]
    for _ in range(3):
        assert await post(url, update, SECRET) == 200
    # A later update proves the repeats were passed over (after the quiet a stranger gets).
    await h.advance(timedelta(minutes=11))
    await h.send(STRANGER, "/contacts")
    assert len(h.unread(STRANGER)) == 1
    h.assert_no_unexpected_messages()


async def test_a_wrong_or_missing_secret_is_refused(harness: Harness) -> None:
    h = harness
    url = await switch_to_webhook(h)
    before = await inbox_count(h)
    forged = {
        "update_id": 990001,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": STRANGER, "type": "private"},
            "from": {"id": STRANGER, "is_bot": False, "first_name": "Mallory"},
            "text": "/start",
        },
    }
    assert await post(url, forged, None) == 401
    assert await post(url, forged, "not-the-secret") == 403
    assert await post(url, forged, SECRET[:-1] + "X") == 403
    assert await post(url, "not an update", SECRET) == 400
    assert await inbox_count(h) == before
    h.assert_no_unexpected_messages()


async def test_health_turns_red_when_a_message_waits_too_long(harness: Harness) -> None:
    h = harness
    await switch_to_webhook(h)
    health = health_url(h, "/healthz")
    async with aiohttp.ClientSession() as http:
        async with http.get(health) as r:
            assert r.status == 200 and (await r.json())["ok"] is True
        await add_stuck_message(h)
        async with http.get(health) as r:
            body = await r.json()
        assert r.status == 503 and body["ok"] is False and body["oldest_unsent_seconds"] >= 180
        async with http.get(health.replace("/healthz", "/metrics")) as r:
            metrics = await r.text()
        # The watchdog may have queued a warning meanwhile, so counts are checked loosely.
        assert r.status == 200 and "familytime_outbox_depth " in metrics
        assert "familytime_outbox_oldest_age_seconds 180.0" in metrics
        assert 'familytime_outbox_messages_total{outcome="pending"}' in metrics


async def test_the_watchdog_tells_the_coordinator_once_when_a_message_is_stuck(
    harness: Harness,
) -> None:
    h = harness
    await h.link(COORDINATOR, "K1")
    await add_stuck_message(h)
    await h.advance(timedelta(seconds=1))
    (warning,) = h.unread(COORDINATOR)
    assert "The bot is behind" in warning.text and "familytime outbox status" in warning.text
    await h.advance(timedelta(minutes=5))
    h.assert_no_unexpected_messages()


async def test_metrics_count_each_escalation_by_how_late_it_ran(harness: Harness) -> None:
    h = harness
    await switch_to_webhook(h)
    await alert_pinged_on_site(h)
    await h.advance(timedelta(minutes=5, seconds=1.5))  # 1.5 s past the urgent alert's deadline
    for user_id in (MANAGER, TEAM_MANAGER, COORDINATOR):
        assert "Escalated" in one_ping(h, user_id).text
    assert "Nobody has it yet" in one_ping(h, WORKER).text
    async with aiohttp.ClientSession() as http, http.get(health_url(h, "/metrics")) as r:
        metrics = await r.text()
    assert "familytime_escalation_lateness_seconds_count 1.0" in metrics
    assert 'familytime_escalation_lateness_seconds_bucket{le="1.0"} 0.0' in metrics
    assert 'familytime_escalation_lateness_seconds_bucket{le="2.0"} 1.0' in metrics
    h.assert_no_unexpected_messages()


async def test_the_webhook_port_serves_only_the_webhook(harness: Harness) -> None:
    h = harness
    url = await switch_to_webhook(h)
    async with aiohttp.ClientSession() as http:
        for path in ("/healthz", "/metrics", "/"):
            async with http.get(url.replace(PATH, path)) as r:
                assert r.status == 404, path
        async with http.get(health_url(h, "/healthz")) as r:
            assert r.status == 200
    h.assert_no_unexpected_messages()
