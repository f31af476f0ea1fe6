"""The kiosk's install script and units, written into a temporary root (no systemd here).

What is proven: the files land where the units and the apps look for them, a
second run changes nothing and keeps the TOML a field tech edited, a bad
option is refused in plain words. Not proven here: cage and foot on a real
screen (no display, no systemd on these machines).
"""

from __future__ import annotations

import configparser
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "deploy" / "install-kiosk"


def install(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), "--root", str(root), "--no-system", "--no-venv", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment, method-assign]
    parser.read(path)
    return parser


@pytest.mark.parametrize(
    ("kind", "name", "app"),
    [("pos", "scanpay-till", "scanpay-pos"), ("pda", "scanpay-pda", "scanpay-pda")],
)
def test_the_install_writes_the_kiosk_and_a_second_run_changes_nothing(tmp_path, kind, name, app):
    done = install(tmp_path, "--kind", kind, "--backend", "https://pay.example")
    assert done.returncode == 0, done.stderr
    first = files(tmp_path)
    assert set(first) == {
        f"etc/systemd/system/{name}.service",
        "etc/scanpay/terminal.toml",
        "etc/udev/rules.d/99-scanpay.rules",
        "etc/pam.d/scanpay-kiosk",
    }
    assert (tmp_path / "var/lib/scanpay").stat().st_mode & 0o777 == 0o700
    service = unit(tmp_path / f"etc/systemd/system/{name}.service")["Service"]
    assert (service["User"], service["TTYPath"], service["Restart"]) == (
        "scanpay",
        "/dev/tty1",
        "on-failure",
    )
    assert service["PAMName"] == "scanpay-kiosk"
    start = service["ExecStart"]
    assert start.startswith("/usr/bin/cage -- /usr/bin/foot")
    assert "Noto Sans Mono CJK SC" in start and start.endswith(f"/opt/scanpay/current/bin/{app}")
    assert "SCANPAY_CONFIG=/etc/scanpay/terminal.toml" in service["Environment"]
    toml = (tmp_path / "etc/scanpay/terminal.toml").read_text()
    assert 'url = "https://pay.example"' in toml and 'data_dir = "/var/lib/scanpay"' in toml

    (tmp_path / "etc/scanpay/terminal.toml").write_text(toml + "\n# edited by the field tech\n")
    assert install(tmp_path, "--kind", kind).returncode == 0
    again = files(tmp_path)
    assert {k: v for k, v in again.items() if not k.endswith(".toml")} == {
        k: v for k, v in first.items() if not k.endswith(".toml")
    }
    assert again["etc/scanpay/terminal.toml"].endswith(b"# edited by the field tech\n")


def test_a_bad_option_is_refused_in_plain_words(tmp_path):
    wrong = install(tmp_path, "--kind", "till")
    assert wrong.returncode == 2
    assert "--kind is pos (a till) or pda (a handheld), not till" in wrong.stderr
    assert not (tmp_path / "etc").exists()
