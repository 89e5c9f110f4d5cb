"""The README's quick start: on a fresh clone with no token, `make run` installs and serves the
sandbox's page. Slow (a real install into a new virtual environment), so it runs among the first."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
from pathlib import Path

import aiohttp
import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    shutil.which("make") is None or shutil.which("git") is None or not (ROOT / ".git").exists(),
    reason="needs make, git and this project as a git checkout to clone",
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_make_run_on_a_fresh_clone_with_no_token_serves_the_page(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, timeout=120)
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("FAMILYTIME_")}
    env.pop("VIRTUAL_ENV", None)
    env["FAMILYTIME_SANDBOX_PORT"] = str(port)
    make = subprocess.Popen(
        ["make", "run"],
        cwd=clone,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # make and the bot it starts: one group to stop
    )
    try:
        async with aiohttp.ClientSession() as http:
            html = await _page(http, f"http://127.0.0.1:{port}/", make)
        assert "<title>Family Time sandbox</title>" in html
    finally:
        os.killpg(make.pid, signal.SIGINT)
        output, _ = make.communicate(timeout=60)
    said = output.decode(errors="replace")
    assert f"http://127.0.0.1:{port}" in said  # the start-up line gives the page's address
    assert "Traceback" not in said


async def _page(http: aiohttp.ClientSession, url: str, make: subprocess.Popen[bytes]) -> str:
    """The page, once the install is done and the sandbox is up (a few minutes at most)."""
    for _ in range(3000):
        if make.poll() is not None:
            raise AssertionError(f"make run ended with {make.returncode} before serving")
        try:
            async with http.get(url) as response:
                if response.status == 200:
                    return await response.text()
        except aiohttp.ClientConnectionError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError("make run never served the page")
