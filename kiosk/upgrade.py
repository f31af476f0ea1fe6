"""Upgrade the kiosk to a new wheel without losing a payment.

1. The new version goes into its own environment beside the running one and
   must load there (:mod:`kiosk.versions`). If it cannot, the upgrade ends
   here and the till was never stopped.
2. The kiosk stops, so that no payment starts or runs during the switch.
3. The running version settles every payment and refund left in doubt
   (``scanpay-terminal settle`` as the kiosk's user: the code that wrote the
   journal settles it). While the payment service cannot settle them the
   upgrade waits, up to ``--wait`` seconds, and says so; then it gives up:
   the old version starts again, nothing has changed, and the tech is told why.
4. ``current`` moves to the new version in one rename, the new version's
   unit files are put in place, and the kiosk starts. If that fails,
   ``current`` moves back and the old version starts.

The journal, the credentials and every queue live in ``/var/lib/scanpay``,
which nothing here touches.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from .host import Host, KioskError
from .install import place_files
from .layout import Kind, Layout
from .versions import Versions

__all__ = ["settle_in_doubt", "upgrade"]

RETRY_S = 10.0  # between two attempts to settle while the payment service is away


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
    host.system("systemctl", "stop", kind.unit)
    try:
        settle_in_doubt(old, layout, host, wait_s=wait_s, sleep=sleep)
    except KioskError as exc:
        host.system("systemctl", "start", kind.unit)
        raise KioskError(
            f"Not upgraded: {exc} The old version ({old.name}) runs again; nothing was changed. "
            "Upgrade again once they are settled (--wait SECONDS waits for the payment service)."
        ) from None
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


def settle_in_doubt(
    version: Path,
    layout: Layout,
    host: Host,
    *,
    wait_s: float,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Settle what is in doubt with ``version``'s SDK; KioskError (why, in words) if it cannot."""
    settle = [str(version / "bin" / "scanpay-terminal"), "--config", str(layout.config), "settle"]
    deadline = time.monotonic() + wait_s
    while True:
        host.say("  settling the payments and refunds left in doubt")
        done = host.run(settle, as_user=True)
        for line in (done.stdout + done.stderr).splitlines():
            host.say(f"    {line}")
        if done.returncode == 0:
            return
        left = deadline - time.monotonic()
        if done.returncode != 1:
            raise KioskError("settling what is in doubt failed (see above).")
        if left <= 0:
            raise KioskError(
                "payments or refunds are still in doubt, and the payment service cannot "
                "settle them now (see above)."
            )
        host.say(f"  waiting for the payment service to settle them ({left:.0f} s left)")
        sleep(min(RETRY_S, left))
