"""Upgrades from a wheel: what is in doubt is settled first, nothing kept is lost, and an
upgrade that cannot be done leaves the old version running.

The upgrade is the installed ``scanpay-kiosk upgrade`` (the running
version's), into the temporary root of ``conftest.py``, against the real
backend; ``systemctl`` is shown rather than run, so the order of stop, settle,
switch and start is read from what it says. The tests share one installed
kiosk: the two refusals leave it as it was (they check that), the last one
upgrades it.
"""

from __future__ import annotations

import socket
import zipfile
from pathlib import Path

import pytest

from kiosk.versions import version_name
from terminal_sdk.journal import PaymentEntry, SessionState
from tests.harness import unique
from tests.kiosk.conftest import REPO, Kiosk
from tests.kiosk.wheels import rewrap


@pytest.fixture(scope="module")
def wheels(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    into = tmp_path_factory.mktemp("wheels")
    broken = {"pos_client/app.py": b"raise ImportError('a file lost on the way')\n"}
    return {
        "new": rewrap(wheel, "0.2.0", into),
        "broken": rewrap(wheel, "0.2.1", into, replace=broken),
    }


def upgrade(kiosk: Kiosk, wheel: Path, *args: str):
    scanpay_kiosk = str(kiosk.root / "opt/scanpay/current/bin/scanpay-kiosk")
    return kiosk.run(scanpay_kiosk, "upgrade", str(wheel), "--root", str(kiosk.root),
                     "--pip-arg=--no-deps", *args)  # fmt: skip


def current(kiosk: Kiosk) -> str:
    return (kiosk.root / "opt/scanpay/current").resolve().name


def in_doubt(kiosk: Kiosk) -> str:
    """A payment the till sent and never heard back about (the backend has not seen it)."""
    number = unique("P")
    journal = kiosk.journal()
    try:
        journal.begin_payment(number, amount_fen=1_250, issuer="points", code_masked="81**9222")
    finally:
        journal.close()
    return number


def state(kiosk: Kiosk, number: str) -> SessionState:
    journal = kiosk.journal()
    try:
        entry = journal.payment(number)
        assert entry is not None
        return entry.state
    finally:
        journal.close()


def closed_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def test_the_same_code_built_twice_is_the_same_version(wheel, tmp_path):
    again = tmp_path / wheel.name  # built again: the same files, stamped with other times
    with zipfile.ZipFile(wheel) as built, zipfile.ZipFile(again, "w") as rebuilt:
        for info in built.infolist():
            stamped = zipfile.ZipInfo(info.filename, (2030, 1, 1, 0, 0, 0))
            rebuilt.writestr(stamped, built.read(info))
    assert again.read_bytes() != wheel.read_bytes()
    assert version_name(again) == version_name(wheel)
    (tmp_path / "changed").mkdir()
    changed = rewrap(wheel, "0.1.0", tmp_path / "changed", replace={"kiosk/__init__.py": b"#\n"})
    assert version_name(changed) != version_name(wheel)  # one file changed: another version


def test_an_install_does_not_replace_the_running_version(kiosk, wheels):
    before = current(kiosk)
    done = kiosk.run(str(REPO / "deploy/install-kiosk"), "--root", str(kiosk.root), "--wheel",
                     str(wheels["new"]), "--pip-arg=--no-deps")  # fmt: skip
    assert done.returncode == 1
    assert f"{before} is installed: change it with scanpay-kiosk upgrade" in done.stderr
    assert current(kiosk) == before and "Installing" not in done.stdout  # nothing was done


def test_a_wheel_whose_code_does_not_load_is_refused_and_the_till_never_stops(kiosk, wheels):
    before = current(kiosk)
    done = upgrade(kiosk, wheels["broken"])
    assert done.returncode == 1
    assert "could not load its code (scanpay-0.2.1-py3-none-any.whl)" in done.stderr
    assert "a file lost on the way" in done.stderr  # why, from the import itself
    assert "systemctl stop" not in done.stdout  # the till was never stopped
    assert current(kiosk) == before
    assert [v.name for v in (kiosk.root / "opt/scanpay/versions").iterdir()] == [before]


def test_while_the_payment_service_is_away_the_upgrade_waits_then_leaves_the_till_as_it_was(
    kiosk, wheels
):
    before = current(kiosk)
    number = in_doubt(kiosk)
    kiosk.configure(url=closed_port())  # the store's payment service is down
    done = upgrade(kiosk, wheels["new"], "--wait", "1")
    kiosk.configure(url=kiosk.backend.url)
    assert done.returncode == 1
    assert "waiting: the payment service at http://127.0.0.1:" in done.stdout  # it said so...
    assert "Not upgraded: the payment service at" in done.stderr  # ...and why it gave up
    assert "payments in doubt are settled with it before an upgrade" in done.stderr
    assert "systemctl stop" not in done.stdout  # the till ran on all along
    assert current(kiosk) == before
    assert state(kiosk, number) is SessionState.PAYING  # still in doubt, untouched


def test_an_upgrade_settles_what_is_in_doubt_then_switches_and_keeps_the_data(kiosk, wheels):
    before = current(kiosk)
    kept = {p.name: p.read_bytes() for p in kiosk.data.iterdir() if not p.name.startswith("jour")}
    journal = kiosk.journal()
    shift = journal.current_shift()
    journal.close()
    in_doubt(kiosk)
    numbers = [p.out_trade_no for p in doubtful(kiosk)]  # with any a test before left

    done = upgrade(kiosk, wheels["new"])
    assert done.returncode == 0, done.stdout + done.stderr
    said = done.stdout
    settled = f"settled {len(numbers)} payment(s)"
    steps = ["systemctl stop scanpay", settled, "current -> 0.2.0", "systemctl start scanpay"]
    where = [said.find(step) for step in steps]
    assert -1 not in where and where == sorted(where), said  # stop, settle, switch, start
    assert current(kiosk).startswith("0.2.0-")
    assert (kiosk.root / "opt/scanpay/previous").resolve().name == before  # kept for a rollback
    assert all(state(kiosk, n) is SessionState.NOT_CHARGED for n in numbers)
    journal = kiosk.journal()
    assert journal.current_shift() == shift  # the open shift and its lines are still there
    journal.close()
    assert {p.name: p.read_bytes() for p in kiosk.data.iterdir() if p.name in kept} == kept

    again = upgrade(kiosk, wheels["new"])  # the same wheel again: nothing to do
    assert again.returncode == 0 and "is running already" in again.stdout


def doubtful(kiosk: Kiosk) -> list[PaymentEntry]:
    journal = kiosk.journal()
    try:
        return journal.in_doubt()
    finally:
        journal.close()
