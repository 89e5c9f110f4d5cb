"""The sandbox page in headless Chromium: carer, worker and manager side by side, clock moved."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from playwright.async_api import Locator, Page, async_playwright, expect

from handlers.service.config import ServiceConfig
from tests.sandbox.running import CARER, MANAGER, SENIOR, WORKER, running_sandbox

CHROMIUM = os.environ.get("FAMILYTIME_TEST_CHROMIUM") or shutil.which("chromium")
WAIT_MS = 20_000  # how long a pane may take to show what the bot sent

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (make browser, or .ci/browser)"
)


def pane(page: Page, user_id: int) -> Locator:
    return page.locator(f"#chat-{user_id}")


async def type_in(page: Page, user_id: int, text: str) -> None:
    """Type in a persona's text box and send it, as a person would with the keyboard."""
    box = pane(page, user_id).locator("input")
    await box.fill(text)
    await box.press("Enter")
    await expect(pane(page, user_id).locator(".msg.me").last).to_have_text(text, timeout=WAIT_MS)


async def tap(page: Page, user_id: int, label: str) -> None:
    """Press the newest button with this label in a persona's chat, once it is there."""
    button = pane(page, user_id).locator(".keyboard button", has_text=label).last
    await expect(button).to_be_visible(timeout=WAIT_MS)
    await button.click()


async def shows(page: Page, user_id: int, words: str) -> Locator:
    """The persona's newest bot message with these words, once it has arrived."""
    message = pane(page, user_id).locator(".msg.bot", has_text=words).last
    await expect(message).to_be_visible(timeout=WAIT_MS)
    return message


async def test_the_sandbox_page_books_reports_and_climbs_an_alert(
    service_config: ServiceConfig, tmp_path: Path
) -> None:
    assert CHROMIUM is not None
    async with (
        running_sandbox(service_config, tmp_path) as sandbox,
        async_playwright() as playwright,
    ):
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        page = await browser.new_page(viewport={"width": 1600, "height": 1000})
        await page.goto(sandbox.root + "/")
        await expect(page.locator("#clock-now")).to_have_text("Tue 24 Nov, 10:00")

        # The carer books a pre-visit and receives the calendar file.
        await type_in(page, CARER, "/previsit")
        await tap(page, CARER, "Coffee Hall")
        await tap(page, CARER, "Wed 25 Nov")
        await tap(page, CARER, "10:00")
        await tap(page, CARER, "All of them")
        await shows(page, CARER, "daily routine")
        await type_in(page, CARER, "up at 7, nap after lunch")
        await shows(page, CARER, "school or nursery hours")
        await tap(page, CARER, "Skip this")
        await shows(page, CARER, "clubs")
        await type_in(page, CARER, "swimming on Thursdays")
        await tap(page, CARER, "Confirm")
        booked = await shows(page, CARER, "Booked: Wed 25 Nov, 10:00")
        link = booked.locator("a.document")
        await expect(link).to_have_text("📄 previsit.ics")
        async with page.expect_download() as download_info:
            await link.click()
        download = await download_info.value
        calendar = tmp_path / "previsit.ics"
        await download.save_as(calendar)
        assert "BEGIN:VCALENDAR" in calendar.read_text()
        await page.screenshot(path=tmp_path / "1-previsit.png")

        # The carer reports an illness that could be catching; the worker's pane shows it.
        await type_in(page, CARER, "/illness")
        await tap(page, CARER, "A.E.")
        await tap(page, CARER, "None of them")
        await tap(page, CARER, "Yes")
        await shows(page, CARER, "What's wrong")
        await type_in(page, CARER, "chickenpox spots this morning")
        await shows(page, CARER, "Please check and send")
        await tap(page, CARER, "Send")
        notice = await shows(page, WORKER, "chickenpox spots this morning")
        await expect(notice).to_contain_text("A.E.")
        await page.screenshot(path=tmp_path / "2-illness.png")

        # The worker raises an alert; nobody acknowledges; the clock moves past the timeout.
        await type_in(page, WORKER, "/alert")
        await tap(page, WORKER, "Urgent concern")
        await tap(page, WORKER, "Send now")
        await shows(page, SENIOR, "Acknowledge")
        await page.get_by_role("button", name="+15 min").click()
        await expect(page.locator("#clock-now")).to_have_text("Tue 24 Nov, 10:15")
        await shows(page, MANAGER, "Escalated")
        await shows(page, WORKER, "Nobody has it yet")
        await tap(page, MANAGER, "Acknowledge")
        await shows(page, WORKER, "Morgan (manager) has your alert")
        await page.screenshot(path=tmp_path / "3-alert.png")
        shot = os.environ.get("FAMILYTIME_SANDBOX_SCREENSHOT")
        if shot:  # how docs/sandbox.png is made
            await page.screenshot(path=shot)

        # At 200 % zoom (half the width) one chat shows at a time, chosen with the switcher.
        await page.set_viewport_size({"width": 640, "height": 900})
        await expect(pane(page, CARER)).to_be_visible()
        await expect(pane(page, MANAGER)).to_be_hidden()
        await page.get_by_role("button", name="Morgan (manager)").click()
        await expect(pane(page, MANAGER)).to_be_visible()
        await expect(pane(page, CARER)).to_be_hidden()
        await page.screenshot(path=tmp_path / "4-narrow.png")
        await browser.close()


async def test_a_command_picked_from_the_menu_by_keyboard_leaves_focus_in_the_text_box(
    service_config: ServiceConfig, tmp_path: Path
) -> None:
    assert CHROMIUM is not None
    async with (
        running_sandbox(service_config, tmp_path) as sandbox,
        async_playwright() as playwright,
    ):
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        page = await browser.new_page(viewport={"width": 1600, "height": 1000})
        await page.goto(sandbox.root + "/")
        menu = pane(page, WORKER).locator(".menu summary")
        await expect(menu).to_be_visible(timeout=WAIT_MS)
        await menu.focus()
        await page.keyboard.press("Enter")
        await pane(page, WORKER).get_by_role("button", name="/today", exact=False).focus()
        await page.keyboard.press("Space")
        await shows(page, WORKER, "session DEMO-S1")
        await expect(pane(page, WORKER).locator("input")).to_be_focused()

        # From the text box, Shift+Tab reaches the bot's newest buttons.
        await page.keyboard.press("Shift+Tab")
        await expect(page.locator(":focus")).to_have_text("🏠 Child handed back")
        await browser.close()
