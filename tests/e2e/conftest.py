"""The end-to-end test's browser: its own Playwright, stopped when the module ends.

Playwright's sync API keeps an event loop running in the thread while it
lives, and pytest-asyncio cannot run a test's loop beside it: so this one
must not outlive the module (the wallet's tests start their own later).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.wallet.browser import CHROMIUM, CHROMIUM_ARGS


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
