"""Helpers of the wallet's browser tests: a phone, signing in, reading the code on screen."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, expect

from drivers.camera import Decoded, decode_detailed
from protocol.paycode import mask
from tests.conftest import LiveBackend

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
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "has_touch": True}
SHORT_CODE_TTL_S = 4


def open_phone(browser: Browser, locale: str = "en-US") -> BrowserContext:
    context = browser.new_context(locale=locale, **PHONE)  # type: ignore[arg-type]
    context.set_default_timeout(10_000)
    return context


def read_codes(png: bytes) -> list[Decoded]:
    """What the camera driver's decoder reads in a screenshot (each text once)."""
    return decode_detailed(np.asarray(Image.open(io.BytesIO(png)).convert("L")))


def sign_in(page: Page, live: LiveBackend, member_no: str) -> None:
    """What a customer does: member number, send the SMS, type the code from the outbox."""
    page.goto(f"{live.url}/wallet")
    page.fill("#member-no", member_no)
    page.click("#send-sms")
    page.wait_for_selector("#sms-sent:not([hidden])")
    page.fill("#sms-code", live.operator.last_sms_code(member_no, "login"))
    page.click("#sign-in")
    page.wait_for_selector("#qr:not([hidden])")


def spaced(text: str) -> str:
    """As the page writes the digits: groups of four."""
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def shown_code(page: Page) -> str:
    """The digits under the barcode, revealed by a tap."""
    page.click("#digits")
    expect(page.locator("#digits")).not_to_contain_text("*")
    return re.sub(r"\s", "", page.inner_text("#digits"))


def wait_for_new_code(page: Page, old: str, timeout_ms: float = 10_000) -> str:
    """Wait until the page shows a code other than ``old`` (a new one shows masked); read it."""
    digits = page.locator("#digits")
    expect(digits).to_contain_text("*", timeout=timeout_ms)
    expect(digits).not_to_have_text(spaced(mask(old)))
    expect(page.locator("#qr")).to_be_visible()
    return shown_code(page)


def bearer_of(page: Page) -> dict[str, Any]:
    """Collects the Authorization header the page sends (to show what a stolen token can do)."""
    seen: dict[str, Any] = {}

    def remember(request: Any) -> None:
        auth = request.headers.get("authorization")
        if auth:
            seen["authorization"] = auth

    page.on("request", remember)
    return seen
