"""The console's fixtures: its own store (a backend on a fresh SQLite file) and a browser.

Its own backend, because these tests publish routing versions and switch
terminals off; heartbeats every second, so a till goes offline in three.
The browser is Debian's Chromium through Playwright, launched as the wallet's
tests launch it, at 1280x800 in the store's time zone. Playwright's sync API
runs an event loop of its own in this thread, so it lives for this folder's
tests only (module scope), never beside the async tests that follow.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.conftest import LiveBackend, _start
from tests.wallet.browser import CHROMIUM, CHROMIUM_ARGS

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "console"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveBackend]:
    live = _start(tmp_path_factory.mktemp("console"), None, "sqlite", {"heartbeat_interval_s": 1})
    yield live
    live.close()


def open_console(browser: Browser, locale: str = "en-GB") -> Page:
    context = browser.new_context(
        locale=locale,
        timezone_id="Asia/Shanghai",
        viewport={"width": 1280, "height": 800},
        accept_downloads=True,
    )
    context.set_default_timeout(10_000)
    return context.new_page()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (make setup does)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def console(chromium: Browser) -> Iterator[Page]:
    page = open_console(chromium)
    yield page
    page.context.close()


def sign_in(page: Page, live: LiveBackend, name: str = "Wang Fang") -> None:
    page.goto(f"{live.url}/console")
    page.fill("#operator", name)
    page.fill("#token", live.token)
    page.click("#sign-in")
    page.wait_for_selector("#fleet:not([hidden])")


def keep(page: Page, name: str) -> Path:
    """A 1280x800 screenshot among the test artefacts."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
