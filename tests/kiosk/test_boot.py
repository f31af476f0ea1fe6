"""The till boots into the app: the installed unit run headless, against a real backend.

What is proven: the unit the install wrote starts cage, foot and the till
from the installed wheel as an unprivileged user; the screen shows the sale
screen in English, and in Chinese drawn with the Noto CJK glyphs (read back
from grim's screenshots, see ``tests/kiosk/shots.py``); foot's cells are the
size the install's font sizing counted on; the app killed comes back by the
unit's restart; after a power cut in the middle of a payment the till boots,
settles that payment with the backend and shows what it settled. What is
not: a real screen and keyboard, logind's seat and PAM session, and systemd
itself (``tests/kiosk/systemd.py`` runs the unit as it would; keys go in
below foot, see :class:`~tests.kiosk.systemd.Keyboard`).
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from kiosk.screen import Grid, Screen, cell_size, grid_of
from tests.kiosk.conftest import DEPS, PIXELS, REPO, Kiosk
from tests.kiosk.shots import MATCH, Shot
from tests.kiosk.systemd import Keyboard, Service

UNIT = "etc/systemd/system/scanpay-till.service"
ARTIFACTS = REPO / "test-artifacts" / "kiosk"
F9 = "\x1b[20~"  # what foot sends for F9: the language key


@pytest.fixture
def service(kiosk: Kiosk) -> Iterator[Service]:
    till = Service(kiosk.root / UNIT, kiosk.root, extra_env={"PYTHONPATH": DEPS})
    yield till
    till.stop()
    shutil.rmtree(till.runtime, ignore_errors=True)


def until(condition: Callable[[], Any], what: str, service: Service, within: float = 40.0) -> Any:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"{what} never happened; the kiosk said:\n{service.log_tail()}")


def showing(service: Service, text: str, *, column: int, row: int | None = None) -> Shot:
    """Wait until the screen shows ``text`` in bold from ``column`` (on ``row``, or any)."""

    def look() -> Shot | None:
        try:
            shot = Shot(service.screenshot(), PIXELS)
        except RuntimeError:  # cage has not made its display yet
            return None
        if row is None:
            return shot if shot.find(text, column=column, bold=True) is not None else None
        return shot if shot.likeness(row, column, text, bold=True) >= MATCH else None

    shot: Shot = until(look, f"{text!r} on the screen", service)
    return shot


def keep(shot: Shot, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / name).write_bytes(shot.png)


def payment_states(kiosk: Kiosk) -> list[str]:
    """The journal's payments, read without writing (the app owns the file)."""
    uri = f"file:{kiosk.data / 'journal.db'}?mode=ro"
    with sqlite3.connect(uri, uri=True) as db:
        return [row[0] for row in db.execute("SELECT state FROM payments ORDER BY created_at")]


def test_the_till_boots_into_the_app_in_english_and_chinese_and_comes_back_when_killed(
    kiosk, service
):
    service.start()
    english = showing(service, "Sale", row=0, column=1)
    assert english.colours() > 16  # not blank: bars, fields, words
    width, height = cell_size(PIXELS)  # foot's cells are those the font sizing counted on
    assert f"cell width={width}, height={height}" in service.log.read_text(errors="replace")
    assert english.likeness(21, 1, "wedge") >= MATCH  # the status bar on row 22 of 24: all rows
    keep(english, "till-en.png")

    Keyboard(service).type(F9)  # the language key, as foot sends it
    chinese = showing(service, "收银", row=0, column=1)  # "Sale" in Chinese, the title's first word
    assert chinese.likeness(0, 1, "□□", bold=True) < 0.5  # not the boxes of a missing glyph
    assert chinese.likeness(0, 1, "退款", bold=True) < 0.6  # and not any Chinese: these glyphs
    keep(chinese, "till-zh.png")

    first = service.app_pid("scanpay-pos")
    assert first is not None
    os.kill(first, signal.SIGKILL)  # the app dies; cage ends with it; the unit restarts them
    until(lambda: service.app_pid("scanpay-pos") not in (None, first), "a new app", service)
    showing(service, "Sale", row=0, column=1)  # back on its sale screen (the TOML says English)
    assert service.starts == 2


def test_after_a_power_cut_mid_payment_the_till_boots_settles_it_and_shows_it(
    kiosk, service, backend_sqlite
):
    member = backend_sqlite.member(points=100_000)
    member.set_limit(0)  # every payment waits for the customer's PIN
    service.start()
    showing(service, "Sale", row=0, column=1)
    keys = Keyboard(service)
    keys.type("300", gap_s=0.1)  # the cashier types the amount
    keys.type("\r")
    time.sleep(0.3)
    keys.type(member.code() + "\r")  # a wedge scanner types the customer's code at once
    until(lambda: "WAITING_FOR_PIN" in payment_states(kiosk), "the wait for the PIN", service)

    service.power_cut()  # every process of the kiosk dies at once, mid-payment
    assert payment_states(kiosk)[-1] == "WAITING_FOR_PIN"
    service.start()  # the till powers on again
    shot = showing(service, "Settled 1 payment(s) and 0 refund(s) left in doubt", column=2)
    keep(shot, "till-after-power-cut.png")
    assert payment_states(kiosk)[-1] == "NOT_CHARGED"  # stopped, and told so on screen
    assert member.account()["balance_points"] == 100_000  # nothing was taken


def test_the_font_the_install_chose_is_the_largest_that_fits_the_till(kiosk):
    ini = (kiosk.root / "etc/scanpay/foot-till.ini").read_text()
    assert f"font=Noto Sans Mono CJK SC:pixelsize={PIXELS}\n" in ini and "size=1\n" in ini
    screen = Screen(1280, 720)
    assert grid_of(screen, PIXELS) == Grid(128, 24)  # the till's 24 rows, wider than its 80
    assert grid_of(screen, PIXELS + 1).rows < 24  # one size larger and it would not fit


def test_shots_read_the_text_they_are_asked_for():
    """The reading itself, on the README's screenshots: a word against its own render, against
    other words, and against the boxes of a missing glyph."""
    english = Shot((REPO / "docs/kiosk-till-en.png").read_bytes(), PIXELS)
    assert english.likeness(0, 1, "Sale", bold=True) >= MATCH
    assert english.likeness(0, 1, "Shift", bold=True) < 0.6
    chinese = Shot((REPO / "docs/kiosk-till-zh.png").read_bytes(), PIXELS)
    assert chinese.likeness(0, 1, "收银", bold=True) >= MATCH
    assert chinese.find("其余部分", column=2, bold=True) == 9  # "Remainder by", its row
    assert chinese.likeness(0, 1, "□□", bold=True) < 0.5
