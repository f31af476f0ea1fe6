"""The till as an appliance: install the kiosk on a fresh Debian box, upgrade it without a loss.

A till boots into the app under ``cage`` (a Wayland kiosk compositor) with
``foot`` as the terminal and Debian's Noto CJK font for Chinese, on tty1, as
the ``scanpay`` user (``deploy/scanpay-till.service``; the handheld's
``deploy/scanpay-pda.service``). This package puts it there and keeps it
current. It uses the standard library only, so Debian's own ``python3`` runs
it from a checkout or from the wheel before anything is installed
(``deploy/install-kiosk``, ``deploy/upgrade-kiosk``), and ``scanpay-kiosk``
runs it once the kiosk is in place.

- :mod:`kiosk.screen`   the font size at which the app's layout fills the screen
- :mod:`kiosk.layout`   where everything goes: /opt/scanpay, /etc/scanpay, /var/lib/scanpay
- :mod:`kiosk.host`     the commands run on the machine, or only shown (``--root``, ``--dry-run``)
- :mod:`kiosk.versions` one virtual environment per wheel, switched by a symlink
- :mod:`kiosk.install`  the idempotent install
- :mod:`kiosk.upgrade`  settle what is in doubt, then switch (the old version runs on if not)
"""
