"""The sandbox starts again whatever was done in it, and `--sandbox` commands reach its data."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest
from typer.testing import CliRunner

from bot.cli import app
from handlers.people import deactivate_person, find_person
from handlers.service.config import ServiceConfig
from storage.database import Database
from tests.sandbox.running import CARER, running_sandbox, wait_for


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _deactivate_the_carer(database_file: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{database_file}")
    try:
        async with db.unit_of_work() as uow:
            person = await find_person(uow, "DEMO-CARER")
            assert person is not None
            await deactivate_person(uow, person, now=person.created_at)
    finally:
        await db.dispose()


async def test_a_sandbox_restarted_after_a_demo_person_was_deactivated_answers_them(
    service_config: ServiceConfig, tmp_path: Path
) -> None:
    async with running_sandbox(service_config, tmp_path):
        pass
    await _deactivate_the_carer(tmp_path / "sandbox.sqlite3")
    async with (
        running_sandbox(service_config, tmp_path) as sandbox,
        aiohttp.ClientSession() as http,
    ):
        async with http.post(
            f"{sandbox.root}/_sandbox/chats/{CARER}/messages", json={"text": "/help"}
        ):
            pass
        await wait_for(
            http, sandbox.root, CARER, lambda m: m["text"].startswith("Here's what you can do")
        )


def test_admin_commands_with_sandbox_act_on_the_sandbox_database(
    service_config: ServiceConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FAMILYTIME_DATABASE_URL", f"sqlite:///{tmp_path / 'real.sqlite3'}")

    async def _start_and_stop() -> None:
        async with running_sandbox(service_config, tmp_path):
            pass

    asyncio.run(_start_and_stop())
    runner = CliRunner()
    listed = runner.invoke(app, ["--sandbox", "people", "list"])
    assert listed.exit_code == 0, listed.output
    assert "DEMO-CARER" in listed.output and "linked" in listed.output
    assert "DEMO-CARER" not in runner.invoke(app, ["people", "list"]).output


async def test_make_run_with_no_token_serves_the_page_and_a_second_says_the_port_is_taken(
    tmp_path: Path,
) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAMILYTIME_")}
    familytime = str(Path(sys.executable).with_name("familytime"))
    command = [familytime, "run", "--sandbox-port", str(port)]
    first = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL)
    try:
        async with aiohttp.ClientSession() as http:
            html = await _page(http, f"http://127.0.0.1:{port}/")
        assert "<title>Family Time sandbox</title>" in html
        second = subprocess.run(
            command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
        )
        assert second.returncode == 1
        assert second.stdout == f"port {port} is taken: is another sandbox running?\n"
        assert "Traceback" not in second.stdout + second.stderr
    finally:
        first.send_signal(signal.SIGINT)
        first.wait(30)
    assert first.returncode == 0


async def _page(http: aiohttp.ClientSession, url: str) -> str:
    for _ in range(600):
        try:
            async with http.get(url) as response:
                if response.status == 200:
                    return await response.text()
        except aiohttp.ClientConnectionError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError("the sandbox never served its page")


async def test_the_sandbox_ignores_a_real_token_and_answers_from_its_own_emulator(
    tmp_path: Path,
) -> None:
    port, nowhere = _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAMILYTIME_")}
    env["FAMILYTIME_TELEGRAM_TOKEN"] = "987654:REAL-LOOKING-TOKEN-abcdefgh"
    env["FAMILYTIME_TELEGRAM_API_URL"] = f"http://127.0.0.1:{nowhere}"  # never reached
    familytime = str(Path(sys.executable).with_name("familytime"))
    command = [familytime, "sandbox", "--port", str(port)]
    running = subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        async with aiohttp.ClientSession() as http:
            root = f"http://127.0.0.1:{port}"
            await _page(http, root + "/")
            async with http.post(
                f"{root}/_sandbox/chats/{CARER}/messages", json={"text": "/help"}
            ):
                pass
            await wait_for(http, root, CARER, lambda m: m["text"].startswith("Here's what you"))
    finally:
        running.send_signal(signal.SIGINT)
        _, logs = running.communicate(timeout=30)
    assert "REAL-LOOKING-TOKEN" not in logs
    assert running.returncode == 0
