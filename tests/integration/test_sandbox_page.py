"""The sandbox serves its page, its JSON and its events on one loopback port, with no token."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import aiohttp
import pytest

from bot.demo import PERSONAS
from bot.sandbox import PortTaken, Sandbox
from handlers.service.config import ServiceConfig
from tests.sandbox.running import CARER, WORKER, chat, running_sandbox, wait_for


async def test_the_page_and_its_files_are_served_from_the_package(
    service_config: ServiceConfig, tmp_path: Path
) -> None:
    async with (
        running_sandbox(service_config, tmp_path) as sandbox,
        aiohttp.ClientSession() as http,
    ):
        assert sandbox.root.startswith("http://127.0.0.1:")
        async with http.get(sandbox.root + "/") as page:
            html = await page.text()
        assert page.status == 200 and "<title>Family Time sandbox</title>" in html
        assert "http" not in html.replace("http-equiv", "")  # nothing fetched from elsewhere
        for name in ("sandbox.js", "sandbox.css"):
            async with http.get(f"{sandbox.root}/sandbox/{name}") as asset:
                assert asset.status == 200 and "https://" not in await asset.text()
        async with http.get(f"{sandbox.root}/sandbox/../sandbox.py") as escape:
            assert escape.status == 404


async def test_the_state_lists_every_persona_with_their_menu_and_the_clock(
    service_config: ServiceConfig, tmp_path: Path
) -> None:
    async with (
        running_sandbox(service_config, tmp_path) as sandbox,
        aiohttp.ClientSession() as http,
        http.get(f"{sandbox.root}/_sandbox/state") as response,
    ):
        state = await response.json()
    assert [p["name"] for p in state["personas"]] == [p.name for p in PERSONAS]
    roles = {p["role"] for p in state["personas"]}
    assert roles == {"carer", "worker", "senior", "manager", "coordinator", "social_worker"}
    carer = state["personas"][0]
    assert any(c["command"] == "previsit" for c in carer["commands"])
    assert state["clock"]["shown"] == "Tue 24 Nov, 10:00"
    assert len(state["tours"]) == 4


@pytest.mark.parametrize("runtime", ["ptb", "aiogram"])
async def test_a_message_typed_on_the_page_is_answered_and_the_events_say_so(
    service_config: ServiceConfig, tmp_path: Path, runtime: str
) -> None:
    async with (
        running_sandbox(service_config, tmp_path, runtime=runtime) as sandbox,
        aiohttp.ClientSession() as http,
    ):
        async with http.get(f"{sandbox.root}/_sandbox/events") as events:
            first = json.loads((await events.content.readline()).decode().removeprefix("data: "))
            await events.content.readline()  # the blank line ending the event
            async with http.post(
                f"{sandbox.root}/_sandbox/chats/{CARER}/messages", json={"text": "/help"}
            ) as sent:
                assert sent.status == 200
            second = json.loads((await events.content.readline()).decode().removeprefix("data: "))
        assert second["revision"] > first["revision"]
        reply = await wait_for(
            http, sandbox.root, CARER, lambda m: m["text"].startswith("Here's what you can do")
        )
        assert reply["from_bot"]
        mine = (await chat(http, sandbox.root, CARER))[0]
        assert mine == {**mine, "from_bot": False, "text": "/help"}


async def test_bad_input_from_the_page_gets_one_sentence(
    service_config: ServiceConfig, tmp_path: Path
) -> None:
    async with (
        running_sandbox(service_config, tmp_path) as sandbox,
        aiohttp.ClientSession() as http,
    ):
        root = sandbox.root
        async with http.post(f"{root}/_sandbox/chats/{CARER}/messages", json={"text": " "}) as r:
            assert r.status == 400 and (await r.json())["error"] == "Type a message first."
        async with http.post(
            f"{root}/_sandbox/chats/{CARER}/press", json={"message_id": 99, "callback_data": "x"}
        ) as r:
            assert (await r.json())["error"] == "That button is no longer there."
        async with http.post(f"{root}/_sandbox/chats/4242/messages", json={"text": "hi"}) as r:
            assert r.status == 404  # only the demo personas' chats
        async with http.post(f"{root}/_sandbox/clock", json={"move": "-1h"}) as r:
            assert r.status == 400
        async with http.get(f"{root}/_sandbox/chats/{CARER}/documents/1") as r:
            assert r.status == 404


async def test_the_clock_moves_on_and_reset_brings_back_the_demo(
    service_config: ServiceConfig, tmp_path: Path
) -> None:
    async with (
        running_sandbox(service_config, tmp_path) as sandbox,
        aiohttp.ClientSession() as http,
    ):
        root = sandbox.root
        async with http.post(f"{root}/_sandbox/clock", json={"move": "15m"}) as r:
            assert (await r.json())["clock"]["shown"] == "Tue 24 Nov, 10:15"
        async with http.post(f"{root}/_sandbox/clock", json={"move": "tomorrow-08"}) as r:
            assert (await r.json())["clock"]["shown"] == "Wed 25 Nov, 08:00"
        # The morning briefing for tomorrow's session comes as soon as the clock gets there.
        await wait_for(http, root, WORKER, lambda m: "DEMO-S3" in m["text"])
        async with http.post(f"{root}/_sandbox/reset", json={}) as r:
            reset = await r.json()
        assert reset["generation"] == 1 and reset["clock"]["shown"] == "Tue 24 Nov, 10:00"
        assert all("DEMO-S3" not in m["text"] for m in await chat(http, root, WORKER))
        async with http.post(f"{root}/_sandbox/chats/{CARER}/messages", json={"text": "/help"}):
            pass
        await wait_for(http, root, CARER, lambda m: m["text"].startswith("Here's what you can do"))


async def test_a_press_shows_the_bots_pop_up_until_the_person_types_again(
    service_config: ServiceConfig, tmp_path: Path
) -> None:
    async with (
        running_sandbox(service_config, tmp_path) as sandbox,
        aiohttp.ClientSession() as http,
    ):
        root = sandbox.root
        async with http.post(f"{root}/_sandbox/chats/{WORKER}/messages", json={"text": "/today"}):
            pass
        today = await wait_for(http, root, WORKER, lambda m: "session DEMO-S1" in m["text"])
        arrived = next(b for row in today["buttons"] for b in row if "Parent arrived" in b["text"])
        press = {"message_id": today["message_id"], "callback_data": arrived["callback_data"]}
        async with http.post(f"{root}/_sandbox/chats/{WORKER}/press", json=press):
            pass
        await wait_for(http, root, WORKER, lambda m: m["text"].startswith("✔ Parent arrived"))
        while await notice(http, root, WORKER) is None:  # the pop-up may follow the reply
            await asyncio.sleep(0.05)
        assert await notice(http, root, WORKER) == "Marked."
        async with http.post(f"{root}/_sandbox/chats/{WORKER}/messages", json={"text": "/help"}):
            pass
        await wait_for(http, root, WORKER, lambda m: m["text"].startswith("Here's what you can do"))
        assert await notice(http, root, WORKER) is None  # a pop-up doesn't outlive the next step


async def notice(http: aiohttp.ClientSession, root: str, user_id: int) -> str | None:
    """The pop-up the page shows under a persona's chat."""
    async with http.get(f"{root}/_sandbox/chats/{user_id}") as response:
        return (await response.json())["notice"]  # type: ignore[no-any-return]


async def test_a_second_sandbox_on_the_same_port_says_so_and_leaves_the_first_alone(
    service_config: ServiceConfig, tmp_path: Path
) -> None:
    async with running_sandbox(service_config, tmp_path) as sandbox:
        port = int(sandbox.root.rsplit(":", 1)[1])
        second = Sandbox(service_config, "ptb", tmp_path / "sandbox.sqlite3")
        with pytest.raises(PortTaken, match=f"^port {port} is taken: is another sandbox running"):
            await second.open(port)
        assert (tmp_path / "sandbox.sqlite3").exists()
        await second.close()
