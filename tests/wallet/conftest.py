"""The wallet's fixtures: Debian's Chromium driven by Playwright, a short-lived-code backend.

The browser is the system's ``/usr/bin/chromium`` (``make setup`` installs
the Debian package); Playwright never downloads one. Each ``launch`` runs on
a fresh temporary profile, and each test gets its own browser context (no
cookies, storage or cache shared between tests). The phone is a 390x844
viewport at device scale 2.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from tests.conftest import LiveBackend

from .browser import CHROMIUM, CHROMIUM_ARGS, SHORT_CODE_TTL_S, open_phone


@pytest.fixture(scope="session")
def playwright_session() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def chromium(playwright_session: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (make setup does)")
    browser = playwright_session.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )
    yield browser
    browser.close()


@pytest.fixture
def phone(chromium: Browser) -> Iterator[Page]:
    """A fresh phone (browser context) in English, with one page."""
    context = open_phone(chromium)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="module")
def short_codes(backend_sqlite: LiveBackend, tmp_path_factory: pytest.TempPathFactory):
    """A second ``serve`` on the same database whose codes live only a few seconds."""
    live = backend_sqlite.sibling(backend_sqlite.server.data_dir, code_ttl_s=SHORT_CODE_TTL_S)
    try:
        yield live
    finally:
        live.close()
