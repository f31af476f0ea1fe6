"""The kiosk's install, written into a temporary root (no systemd, no apt here).

What is proven: the files land where the units and the apps look for them,
the units say what a till needs (its user, tty1, PAM session, restart, the
font file, the app from ``current``), a second run changes nothing and keeps
the TOML a field tech edited, a dry run writes nothing, a bad option is
refused in plain words. The machine's own commands (apt-get, useradd, chown,
systemctl, udevadm) are shown, not run; ``test_boot.py`` runs what this writes.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.kiosk.systemd import Unit

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "deploy" / "install-kiosk"


def install(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": "/usr/bin:/bin"}
    env.pop("PYTHONPATH", None)  # Debian's python3 runs the installer from the checkout alone
    return subprocess.run(
        [str(SCRIPT), "--root", str(root), "--no-venv", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize(
    ("kind", "name", "app"),
    [("pos", "till", "scanpay-pos"), ("pda", "pda", "scanpay-pda")],
)
def test_the_install_writes_the_kiosk_and_a_second_run_changes_nothing(tmp_path, kind, name, app):
    done = install(tmp_path, "--kind", kind, "--backend", "https://pay.example")
    assert done.returncode == 0, done.stderr
    first = files(tmp_path)
    assert set(first) == {
        f"etc/systemd/system/scanpay-{name}.service",
        f"etc/scanpay/foot-{name}.ini",
        "etc/scanpay/terminal.toml",
        "etc/udev/rules.d/99-scanpay.rules",
        "etc/pam.d/scanpay-kiosk",
    }
    assert first["etc/pam.d/scanpay-kiosk"] == (REPO / "deploy/scanpay-kiosk.pam").read_bytes()
    assert (tmp_path / "var/lib/scanpay").stat().st_mode & 0o777 == 0o700
    unit = Unit.read(tmp_path / f"etc/systemd/system/scanpay-{name}.service")
    assert [unit.get("Service", key) for key in ("User", "TTYPath", "PAMName", "Restart")] == [
        "scanpay", "/dev/tty1", "scanpay-kiosk", "always",
    ]  # fmt: skip
    assert unit.get("Service", "ExecStart").split() == [
        "/usr/bin/cage", "--", "/usr/bin/foot", f"--config=/etc/scanpay/foot-{name}.ini",
        f"/opt/scanpay/current/bin/{app}",
    ]  # fmt: skip
    assert unit.environment()["SCANPAY_CONFIG"] == "/etc/scanpay/terminal.toml"
    assert "font=Noto Sans Mono CJK SC:pixelsize=" in first[f"etc/scanpay/foot-{name}.ini"].decode()
    toml = (tmp_path / "etc/scanpay/terminal.toml").read_text()
    assert 'url = "https://pay.example"' in toml and 'data_dir = "/var/lib/scanpay"' in toml
    for command in ("apt-get install", "useradd", "chown scanpay:scanpay", "systemctl enable"):
        assert f"(not run here) {command}" in done.stdout

    (tmp_path / "etc/scanpay/terminal.toml").write_text(toml + "\n# edited by the field tech\n")
    again = install(tmp_path, "--kind", kind)
    assert again.returncode == 0, again.stderr
    assert "write " not in again.stdout  # nothing to write: all in place
    now = files(tmp_path)
    assert {k: v for k, v in now.items() if not k.endswith(".toml")} == {
        k: v for k, v in first.items() if not k.endswith(".toml")
    }
    assert now["etc/scanpay/terminal.toml"].endswith(b"# edited by the field tech\n")


def test_a_new_screen_size_changes_the_font_and_nothing_else(tmp_path):
    assert install(tmp_path).returncode == 0
    before = files(tmp_path)
    done = install(tmp_path, "--screen", "1920x1080")
    assert done.returncode == 0, done.stderr
    after = files(tmp_path)
    changed = {k for k in after if after[k] != before[k]}
    assert changed == {"etc/scanpay/foot-till.ini"}
    assert b"pixelsize=30\n" in after["etc/scanpay/foot-till.ini"]  # 24 rows of 44 px on 1080


def test_a_dry_run_shows_every_step_and_writes_nothing(tmp_path):
    done = install(tmp_path, "--dry-run")
    assert done.returncode == 0, done.stderr
    assert "write " in done.stdout and "systemctl enable" in done.stdout
    assert list(tmp_path.iterdir()) == []
    whole = subprocess.run(  # without --no-venv: the wheel it would build is said, not built
        [str(SCRIPT), "--root", str(tmp_path), "--dry-run"], capture_output=True, text=True,
        timeout=60, env={**os.environ, "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert whole.returncode == 0 and "the wheel would be built" in whole.stdout, whole.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--kind", "till"], "--kind is pos (a till) or pda (a handheld), not till"),
        (["--screen", "big"], "a screen is WIDTHxHEIGHT in pixels, e.g. 1024x768, not 'big'"),
    ],
)
def test_a_bad_option_is_refused_in_plain_words(tmp_path, args, said):
    wrong = install(tmp_path, *args)
    assert wrong.returncode == 2
    assert said in wrong.stderr
    assert list(tmp_path.iterdir()) == []
