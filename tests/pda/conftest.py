"""Fixtures for the handheld's tests: the real backend on loopback, a courier and a PDA per test.

``backend_sqlite`` is the shared harness's real ``scanpay-backend serve``
(tests/conftest.py). Each test makes its own courier, enrols a handheld for
them with a one-time code from the operator API, and makes its own orders
and members, so tests never share data. The payment session's query timings
are shortened (``tests.apps.FAST``) so that waiting states take seconds, not
a minute; that module's fixtures (no OS keyring, English, UTC) apply here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pda_client.app import PdaApp
from terminal_sdk.config import TerminalConfig
from terminal_sdk.credentials import CredentialStore
from terminal_sdk.terminal import Terminal
from tests.apps import FAST, a_full_terminal, english, no_os_keyring, terminal_config, utc

from .couriers import Courier

__all__ = ["a_full_terminal", "english", "no_os_keyring", "utc"]


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
        data_dir = self.tmp_path / (data or f"pda{self.count}")
        return terminal_config(url or self.backend.url, data_dir, scanners=scanners)

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
