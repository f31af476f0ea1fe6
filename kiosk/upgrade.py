"""Upgrade the kiosk to a new wheel without losing a payment.

1. The new version goes into its own environment beside the running one and
   must load there (:mod:`kiosk.versions`). If it cannot, the upgrade ends
   here and the till was never stopped.
2. The payment service must answer, for what is in doubt to be settled.
   While it does not, the upgrade waits, up to ``--wait`` seconds, and says
   so; then it gives up, and the till, never stopped, runs on as it was.
3. The kiosk stops, so that no payment starts or runs during the switch, and
   the running version settles every payment and refund left in doubt
   (``scanpay-terminal settle`` as the kiosk's user: the code that wrote the
   journal settles it). If something stays in doubt, the old version starts
   again, and the tech is told why.
4. ``current`` moves to the new version in one rename, the new version's
   unit files are put in place, and the kiosk starts. If that fails,
   ``current`` moves back and the old version starts.

The journal, the credentials and every queue live in ``/var/lib/scanpay``,
which nothing here touches.
"""

from __future__ import annotations

import ssl
import time
import tomllib
import urllib.request
from collections.abc import Callable
from pathlib import Path

from .host import Host, KioskError
from .install import place_files
from .layout import Kind, Layout
from .versions import Versions

__all__ = ["service_silence", "settle_in_doubt", "upgrade", "wait_for_service"]

RETRY_S = 10.0  # between two looks at a payment service that does not answer


def upgrade(
    wheel: Path,
    layout: Layout,
    host: Host,
    versions: Versions,
    *,
    wait_s: float = 0.0,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    kind = layout.installed_kind()
    old = versions.current()
    if kind is None or old is None:
        raise KioskError(f"no kiosk is installed under {layout.root}: run install-kiosk first")
    host.say(f"Upgrading the ScanPay kiosk ({kind.unit}) from {old.name}")
    new = versions.prepare(wheel)
    if new == old:
        host.say(f"{new.name} is running already: nothing to do.")
        return
    wait_for_service(layout, host, wait_s=wait_s, sleep=sleep)
    host.system("systemctl", "stop", kind.unit)
    try:
        settle_in_doubt(old, layout, host)
    except KioskError as exc:
        host.system("systemctl", "start", kind.unit)
        raise KioskError(f"Not upgraded: {exc} The old version ({old.name}) runs again.") from None
    try:
        versions.switch(new)
        switch_on(kind, layout, host, new)
    except (KioskError, OSError) as exc:
        versions.switch(old)
        switch_on(kind, layout, host, old)
        raise KioskError(f"Not upgraded: {exc}. The old version ({old.name}) runs again.") from None
    versions.prune()
    host.say(f"Upgraded to {new.name}; the journal and the queues in {layout.data} are kept.")


def switch_on(kind: Kind, layout: Layout, host: Host, version: Path) -> None:
    """Put ``version``'s unit files in place and start the kiosk."""
    if place_files(kind, layout, host, version):
        host.system("systemctl", "daemon-reload")
    host.system("systemctl", "start", kind.unit)


def wait_for_service(
    layout: Layout, host: Host, *, wait_s: float, sleep: Callable[[float], None] = time.sleep
) -> None:
    """Return once the payment service answers; KioskError (why, in words) after ``wait_s``."""
    deadline = time.monotonic() + wait_s
    while (why := service_silence(layout.config)) is not None:
        left = deadline - time.monotonic()
        if left <= 0:
            raise KioskError(
                f"Not upgraded: {why}, and payments in doubt are settled with it before an "
                "upgrade. The till runs on as it was; upgrade again when the service is back "
                "(or with --wait SECONDS)."
            )
        host.say(f"  waiting: {why} ({left:.0f} s left)")
        sleep(min(RETRY_S, left))


def service_silence(config: Path) -> str | None:
    """None if the payment service in ``config`` answers; else why not, in words."""
    try:
        backend = tomllib.loads(config.read_text(encoding="utf-8")).get("backend", {})
    except (OSError, tomllib.TOMLDecodeError) as exc:
        return f"{config} cannot be read ({exc})"
    url = str(backend.get("url", "http://127.0.0.1:8700")).rstrip("/")
    try:
        context = ssl.create_default_context(cafile=backend.get("ca_file") or None)
        with urllib.request.urlopen(f"{url}/healthz", timeout=5, context=context):  # noqa: S310
            return None
    except (OSError, ValueError) as exc:
        return f"the payment service at {url} does not answer ({exc})"


def settle_in_doubt(version: Path, layout: Layout, host: Host) -> None:
    """Settle what is in doubt with ``version``'s SDK; KioskError (why, in words) if it cannot."""
    host.say("  settling the payments and refunds left in doubt")
    settle = [str(version / "bin" / "scanpay-terminal"), "--config", str(layout.config), "settle"]
    done = host.run(settle, as_user=True)
    for line in (done.stdout + done.stderr).splitlines():
        host.say(f"    {line}")
    if done.returncode != 0:
        raise KioskError("payments or refunds are still in doubt (see above).")
