"""Install the kiosk on a fresh Debian till; run again, it repairs and changes nothing else.

In order: Debian's packages, the ``scanpay`` user and its groups, the
project in its own virtual environment (:mod:`kiosk.versions`), the
terminal's TOML file (written once, then the field tech's), the data
directory, foot's font for the screen, the udev rules, the PAM session and
the unit, enabled. The till then boots into its enrolment screen.
"""

from __future__ import annotations

import grp
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .host import Host, KioskError
from .layout import USER, Kind, Layout
from .screen import Screen, foot_ini
from .versions import Versions, version_name

__all__ = ["PACKAGES", "InstallOptions", "install", "place_files", "shipped"]

# cage 0.1.4 will not start without xwayland (checked on Debian 12); python3-venv and
# python3-pip make each version's environment; espeak-ng speaks the result ([devices] voice).
PACKAGES = (
    "cage",
    "foot",
    "fonts-noto-cjk",
    "xwayland",
    "python3-venv",
    "python3-pip",
    "espeak-ng",
)
# keyboards and scanners, serial pads and printers, screen, USB printers (/dev/usb/lp*), voice
GROUPS = ("input", "dialout", "video", "render", "lp", "audio")


@dataclass(frozen=True)
class InstallOptions:
    kind: Kind
    backend: str  # written into a new terminal.toml
    lang: str  # "" (the locale), "en" or "zh": written into a new terminal.toml
    screen: Screen | None  # None: keep the font foot has, else the kind's usual screen
    wheel: Path | None  # None: leave the virtual environment alone (--no-venv)
    python: str
    pip_args: list[str]


def install(options: InstallOptions, layout: Layout, host: Host) -> None:
    kind = options.kind
    versions = Versions(layout, host, options.python, options.pip_args)
    running = versions.current()
    wheel = options.wheel
    if wheel is not None and running is not None and running.name != version_name(wheel):
        raise KioskError(  # an install never skips the settling an upgrade does
            f"{running.name} is installed: change it with scanpay-kiosk upgrade "
            f"{wheel.name}, which settles the payments in doubt first."
        )
    host.say(f"Installing the ScanPay kiosk ({kind.unit}) under {layout.root}")
    missing = [p for p in PACKAGES if not installed(host, p)]
    if missing:
        host.system("apt-get", "update", "--quiet")
        host.system("apt-get", "install", "--yes", "--quiet", "--no-install-recommends", *missing)
    add_user(host)
    version = None
    if options.wheel is not None:
        version = versions.prepare(options.wheel)
        versions.switch(version)
        versions.prune()
    host.mkdir(layout.etc)
    if not layout.config.exists():  # never overwrite what a field tech edited
        host.write(layout.config, terminal_toml(options), mode=0o640)
    host.chown(layout.config, "root", USER)
    host.mkdir(layout.data, mode=0o700)
    host.chown(layout.data, USER, USER)
    ini = layout.foot_ini(kind)
    if options.screen is not None or not ini.exists():
        host.write(ini, foot_ini(options.screen or kind.screen, kind.layout))
    if place_files(kind, layout, host, version):
        host.system("systemctl", "daemon-reload")
    if not host.holds("systemctl", "is-enabled", "--quiet", kind.unit):
        host.system("systemctl", "enable", kind.unit)
    host.say(
        f"Installed. Reboot (or: systemctl restart {kind.unit}): the app comes up full screen, "
        "on its enrolment screen the first time."
    )


def place_files(kind: Kind, layout: Layout, host: Host, version: Path | None) -> bool:
    """The files ``version`` ships for the system: udev rules, PAM service, unit. True if the
    unit changed (systemd must read it again)."""
    if host.write(layout.udev_rules, shipped(version, "drivers.udev", "99-scanpay.rules")):
        host.system("udevadm", "control", "--reload-rules")
        host.system("udevadm", "trigger")
    host.write(layout.pam, shipped(version, "kiosk", "units/scanpay-kiosk.pam"))
    return host.write(layout.unit(kind), shipped(version, "kiosk", f"units/{kind.unit}"))


def installed(host: Host, package: str) -> bool:
    status = f"dpkg-query -W -f='${{Status}}' {package} 2>/dev/null"
    return host.holds("sh", "-c", f"{status} | grep -q 'install ok installed'")


def add_user(host: Host) -> None:
    """The ``scanpay`` user and group, in the groups that reach the devices."""
    if not host.holds("getent", "passwd", USER):
        host.system("useradd", "--system", "--user-group", "--home-dir", "/var/lib/scanpay",
                    "--no-create-home", "--shell", "/usr/sbin/nologin", USER)  # fmt: skip
    for group in GROUPS:
        if host.live:
            try:
                if USER in grp.getgrnam(group).gr_mem:
                    continue
            except KeyError:
                continue  # no such group on this machine
        host.system("usermod", "--append", "--groups", group, USER)


def terminal_toml(options: InstallOptions) -> str:
    lang = f"language = {json.dumps(options.lang)}\n" if options.lang else ""
    return (
        '# The terminal\'s configuration (README, "Terminal configuration"). Written once by\n'
        "# install-kiosk; later installs and upgrades keep it as it is.\n"
        "[backend]\n"
        f"url = {json.dumps(options.backend)}\n"
        "\n"
        "[terminal]\n"
        f"{lang}"
        'data_dir = "/var/lib/scanpay"\n'
        "\n"
        "[devices]\n"
        'scanners = ["hid:?layout=auto", "wedge:"]\n'
    )


def shipped(version: Path | None, package: str, name: str) -> str:
    """A file the project ships (a unit, the PAM service, the udev rules): the installed
    ``version``'s copy, else the one beside this installer."""
    if version is not None:
        for site in sorted(version.glob("lib/python3*/site-packages")):
            path = site.joinpath(*package.split("."), name)
            if path.is_file():
                return path.read_text(encoding="utf-8")
    return resources.files(package).joinpath(name).read_text(encoding="utf-8")
