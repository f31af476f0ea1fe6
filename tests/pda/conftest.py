"""Fixtures for the handheld's tests: the real backend on loopback, a courier and a PDA per test.

``backend_sqlite`` is the shared harness's real ``scanpay-backend serve``
(tests/conftest.py). Each test makes its own courier, enrols a handheld for
them with a one-time code from the operator API, and makes its own orders
and members, so tests never share data. The payment session's query timings
are shortened so that waiting states take seconds, not a minute.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import keyring.backends.fail
import pytest

from pda_client.app import PdaApp
from pda_client.i18n import set_language
from terminal_sdk.config import TerminalConfig
from terminal_sdk.credentials import CredentialStore
from terminal_sdk.profiles import QueryProfile
from terminal_sdk.terminal import Terminal

from .couriers import Courier

FAST = QueryProfile(
    first_query_s=0.3,
    intervals_s=(0.3, 0.5),
    deadline_s=6.0,
    reverse_intervals_s=(0.0, 0.3, 0.5),
    reverse_deadline_s=3.0,
    pin_margin_s=1.0,
)


@pytest.fixture(autouse=True)
def no_os_keyring() -> Iterator[None]:
    """Credentials go to the data directory's owner-only file, never to this machine's keyring."""
    before = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    yield
    keyring.set_keyring(before)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    set_language("en")
    yield
    set_language("en")


class Handhelds:
    """Makes a courier's handheld: a configuration, an enrolled identity, the app."""

    def __init__(self, backend: Any, tmp_path: Path) -> None:
        self.backend = backend
        self.tmp_path = tmp_path
        self.courier = Courier.make(backend)
        self.count = 0

    def config(
        self, *, url: str | None = None, scanners: tuple[str, ...] = ("sim:",), data: str = ""
    ) -> TerminalConfig:
        self.count += 1
        return TerminalConfig.model_validate(
            {
                "backend": {"url": url or self.backend.url, "connect_timeout_s": 1},
                "terminal": {
                    "data_dir": str(self.tmp_path / (data or f"pda{self.count}")),
                    "language": "en",
                },
                "devices": {"scanners": list(scanners)},
            }
        )

    async def enrol(self, config: TerminalConfig) -> None:
        creds = await self.courier.enrol_pda()
        CredentialStore(config.credentials_file, config.terminal.account).save(creds)

    async def app(
        self, config: TerminalConfig | None = None, *, enrolled: bool = True, **options: Any
    ) -> PdaApp:
        config = config or self.config()
        if enrolled and not config.credentials_file.exists():
            await self.enrol(config)
        options.setdefault("health_interval_s", 0.3)
        options.setdefault("send_interval_s", 0.5)
        return PdaApp(
            config,
            opener=lambda c: Terminal.open(c, profile=FAST),
            hotplug=False,
            **options,
        )


@pytest.fixture
def handhelds(backend_sqlite: Any, tmp_path: Path) -> Handhelds:
    return Handhelds(backend_sqlite, tmp_path)
