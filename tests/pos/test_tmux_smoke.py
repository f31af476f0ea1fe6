"""``make demo`` in a real terminal: tmux runs it, send-keys types, capture-pane reads.

This is the smoke run of the whole product as a new user meets it: the demo
script starts its own backend on a free loopback port with its data in a
temporary directory, seeds it, enrols the till, and opens the till and the
virtual PIN pad in tmux. The test then pays once without a PIN and once with
the PIN typed on the pad, and quits. The outer tmux has its own server
socket, so nothing here touches a tmux the developer has open.
"""

from __future__ import annotations

import os
import subprocess
import time
import uuid

import httpx

from tests.tmux import Tmux

from .pilot import closed_port_url


def test_make_demo_pays_with_points_and_with_the_pin_on_the_virtual_pad(tmp_path):
    url = closed_port_url()
    port = url.rsplit(":", 1)[1]
    inner = f"scanpay-demo-test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "SCANPAY_DEMO_PORT": port,
        "SCANPAY_DEMO_DATA": str(tmp_path / "data"),
        "SCANPAY_DEMO_TMUX": inner,
        "TMUX": "",
    }
    outer = Tmux("scanpay-smoke")
    try:
        # the outer terminal is what a user's terminal is to `make demo`
        outer.start("scripts/pos-demo; sleep 30", env)
        outer.wait_for("Type the amount, then scan", within=60)  # the sale screen, after settling
        outer.wait_for("PIN pad ✓")  # the virtual pad (the other window) has connected
        outer.wait_for("printer ✓")  # and the printer emulator (the third)
        outer.keys("1", "2", ".", "5", "0", "Enter")
        outer.wait_for("Total CNY 12.50")
        outer.keys("F8")  # the demo key: the simulated scanner reads Li Wei's current code
        shown = outer.wait_for("P A I D")
        assert "Points used: 1,250 points" in shown
        outer.keys("Enter")
        outer.wait_for("Type the amount, then scan")
        outer.keys("3", "0", "0", "Enter", "F8")  # above the no-PIN limit
        shown = outer.wait_for("WAITING FOR THE CUSTOMER'S PIN")
        assert "CNY 300.00" in shown
        outer.keys("F12")  # to the customer's PIN pad
        outer.wait_for("Enter your PIN")
        outer.keys("1", "2", "3", "4", "5", "6", "Enter")
        outer.wait_for("Paid.")  # the pad tells the customer too
        outer.keys("F12")  # to the receipt printer: each sale's receipt, as text
        shown = outer.wait_for("Thank you!")
        assert "[QR P" in shown and "TOTAL" in shown
        outer.keys("F12")
        shown = outer.wait_for("P A I D")
        assert "CNY 300.00" in shown
        outer.keys("Enter", "C-q")  # quitting the till ends the demo and stops the backend
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and _answers(url):
            time.sleep(0.2)
        assert not _answers(url), "the demo's backend is still running after the till quit"
    finally:
        subprocess.run(["tmux", "-L", inner, "kill-server"], capture_output=True, check=False)
        outer.kill()


def _answers(url: str) -> bool:
    try:
        httpx.get(url + "/healthz", timeout=0.5)
    except httpx.HTTPError:
        return False
    return True
