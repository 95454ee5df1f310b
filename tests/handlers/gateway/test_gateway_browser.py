"""The gateway's page in a real headless browser (Debian's chromium, driven by Playwright):
it shows the pairing QR code, the simulated phone scans what the page shows, the page shows
the connection ``open``, and events appear in its tail, filtered by kind.

Skips when ``/usr/bin/chromium`` is missing, unless ``WABUS_REQUIRE_BROWSER=1`` (CI) makes
that a failure. Playwright never downloads a browser here: it launches Debian's.
"""

from __future__ import annotations

import io
import os
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from tests.handlers.dialects import sessions as s
from tests.handlers.gateway.conftest import TOKEN
from wabus.client import Client, MemoryStore
from wabus.core import Bot, CoreEventBus, EventHandler
from wabus.core.events import PairingCode, PairingQrCode
from wabus.handlers.gateway import EventGateway
from wabus.simulator import Simulator
from wabus.simulator._scenario import ALICE

pytestmark = pytest.mark.anyio

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
GUARD_MS = 600_000  # a guard against hangs, not a measure: a loaded machine may be slow

if not CHROMIUM.exists():
    if os.environ.get("WABUS_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{CHROMIUM} is missing (WABUS_REQUIRE_BROWSER=1)", pytrace=False)
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)", allow_module_level=True)

from playwright.async_api import Browser, Page, async_playwright, expect  # noqa: E402


class _QrCodes(EventHandler):
    """Every QR code the client showed (the page may show any one of them)."""

    def __init__(self) -> None:
        self.codes: list[str] = []

    def on_pairing_qr_code(self, event: PairingQrCode) -> None:
        self.codes.append(event.code)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=GUARD_MS
        )
        try:
            yield browser
        finally:
            await browser.close()  # ends chromium's process group, then the driver's


async def _read_qr(page: Page) -> str:
    """What a phone reads from the page: a screenshot of the QR code, decoded."""
    qr = page.locator("#qr")
    await expect(qr).to_be_visible()
    await page.wait_for_function(
        "() => { const img = document.getElementById('qr');"
        " return img.complete && img.naturalWidth > 0; }",
        timeout=GUARD_MS,
    )
    shot = Image.open(io.BytesIO(await qr.screenshot()))
    found = zxingcpp.read_barcodes(shot)
    assert len(found) == 1, found
    return str(found[0].text)


async def test_a_person_pairs_the_account_from_the_page(browser: Browser) -> None:
    expect.set_options(timeout=GUARD_MS)
    async with Simulator() as simulator:
        client = Client(MemoryStore(), url=simulator.url, trusted_roots=[simulator.trusted_root])
        gateway = EventGateway(tokens=TOKEN, port=0)
        shown = _QrCodes()
        bot = Bot.builder().with_handler(gateway).with_handler(shown).with_source(client).build()
        async with gateway.running():
            root = gateway.url.removesuffix(gateway.config.namespace)
            context = await browser.new_context()
            page = await context.new_page()
            page.set_default_timeout(GUARD_MS)
            refused = await page.goto(f"{root}/?token=wrong")
            assert refused is not None and refused.status == 401
            await expect(page.locator("#note")).to_have_text("That token was not accepted.")
            await page.fill("#token", TOKEN)  # as a person logs in: the form sets the cookie
            await page.click("button[type=submit]")
            await expect(page.locator("#socket")).to_have_text("gateway: subscribed")
            assert page.url == f"{root}/"
            await expect(page.locator("#qr")).to_be_hidden()

            async with bot:  # the client starts pairing: it shows QR codes until scanned
                code = await _read_qr(page)
                assert code in shown.codes
                assert await page.locator("#qr").get_attribute("data-code") in shown.codes
                await expect(page.locator("#connection")).to_have_text("connecting")
                simulator.scan(code)  # the simulated phone scans what the page shows
                await expect(page.locator("#connection")).to_have_text("open")
                await expect(page.locator("#qr")).to_be_hidden()
                await expect(page.locator("#account")).to_contain_text("Account: ")

                await simulator.wait_ready(timeout=GUARD_MS / 1000)
                await simulator.send_message(ALICE, "hello from the phone", push_name="Alice")
                message = page.locator('#events li[data-kind="messages.upsert"]')
                await expect(message).to_have_count(1)
                await expect(message).to_contain_text("hello from the phone")
                updates = page.locator('#events li[data-kind="connection.update"]')
                assert await updates.count() >= 2
                await expect(page.locator('#events li[data-kind="auth.qr"]').first).to_be_attached()

                # Filtering by kind: only that kind's rows stay visible.
                await page.select_option("#kind", "messages.upsert")
                await expect(message).to_be_visible()
                await expect(updates.first).to_be_hidden()
                visible = page.locator("#events li:visible")
                await expect(visible).to_have_count(1)
                await page.select_option("#kind", "")
                await expect(updates.first).to_be_visible()

                # A page opened now (a late subscriber) shows the state at once.
                late = await context.new_page()
                await late.goto(f"{root}/")  # the cookie is the context's
                await expect(late.locator("#connection")).to_have_text("open")
                await expect(late.locator("#qr")).to_be_hidden()
                await late.close()
                bot.stop()
            await context.close()


async def test_the_page_follows_the_qr_code_as_it_rotates(browser: Browser) -> None:
    expect.set_options(timeout=GUARD_MS)
    bus = CoreEventBus()
    gateway = EventGateway(tokens=TOKEN, port=0)
    bus.add_handler(gateway)
    async with bus, gateway.running():
        root = gateway.url.removesuffix(gateway.config.namespace)
        page = await browser.new_page()
        page.set_default_timeout(GUARD_MS)
        await page.goto(f"{root}/?token={TOKEN}")
        await expect(page.locator("#socket")).to_have_text("gateway: subscribed")
        for qr in (s.QR_1, s.QR_2):
            await bus.publish(qr)
            await expect(page.locator("#qr")).to_have_attribute("data-code", qr.code)
            assert await _read_qr(page) == qr.code
        await bus.publish(s.PAIRED)
        await expect(page.locator("#qr")).to_be_hidden()
        code = PairingCode(code="ABCD1234", timeout=timedelta(minutes=3))
        await bus.publish(code)
        await expect(page.locator("#pairing-code")).to_have_text("ABCD-1234")
        await bus.publish(s.CONNECTED)
        await expect(page.locator("#connection")).to_have_text("open")
        await expect(page.locator("#pairing-code")).to_be_hidden()
        await page.close()
