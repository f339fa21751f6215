"""Debian's chromium, driven by Playwright, for the console's browser tests.

Playwright's own browser download is never used: the tests launch
``/usr/bin/chromium`` (``.ci/debian-packages.txt``) with the flags that keep it
off the network (no background, sync or component-update connections).
Screenshots go to ``build/screenshots/`` as test artefacts.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from playwright.async_api import Browser, BrowserContext, Page, async_playwright

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@contextlib.asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            yield browser
        finally:
            await browser.close()


class Watched:
    """A page that records what must never happen: a dialog (injected script ran), a
    Content-Security-Policy violation or any other console error, and an uncaught exception."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        page.on("dialog", self._dialog)
        page.on(
            "console", lambda message: self.errors.append(message.text) if message.type == "error" else None
        )
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    async def _dialog(self, dialog: object) -> None:
        self.dialogs.append(getattr(dialog, "message", "?"))
        await dialog.dismiss()  # type: ignore[attr-defined]


def unexpected(errors: list[str], *statuses: int) -> list[str]:
    """Console errors other than the failed loads of pages a test provoked on purpose
    (a refused action answers 409 or 403, which the browser reports as a failed load)."""
    expected = tuple(f"status of {status} " for status in statuses)
    return [e for e in errors if not any(mark in e for mark in expected)]


async def new_page(
    browser: Browser, base: str, viewport: dict[str, int] = DESKTOP
) -> tuple[BrowserContext, Watched]:
    context = await browser.new_context(base_url=base, viewport=viewport)
    page = await context.new_page()
    page.set_default_timeout(15_000)
    return context, Watched(page)


async def sign_in(page: Page, name: str, password: str) -> None:
    await page.goto("/console/sign-in")
    await page.get_by_label("Name").fill(name)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_load_state()


async def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path
