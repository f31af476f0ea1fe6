"""Fixtures for the till's tests: a real backend on loopback, a freshly enrolled till per test.

``backend_sqlite`` is the shared harness's real ``scanpay-backend serve``
(tests/conftest.py); each test enrols its own terminal with a one-time
activation code from the operator API and makes its own members, so tests
never share data. The till's query timings are shortened (``tests.apps.FAST``,
the same shape as our wallets' profile) so the waiting states take seconds,
not a minute; that module's fixtures (no OS keyring, English, UTC) apply here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pos_client.app import PosApp
from pos_client.pin import PadReader
from pos_client.pinpad import open_till_pad
from terminal_sdk.client import enrol
from terminal_sdk.config import TerminalConfig
from terminal_sdk.credentials import CredentialStore
from terminal_sdk.journal import Journal
from terminal_sdk.profiles import QueryProfile
from terminal_sdk.terminal import Terminal
from tests.apps import FAST, a_full_terminal, english, no_os_keyring, terminal_config, utc

__all__ = ["a_full_terminal", "english", "no_os_keyring", "utc"]


class Tills:
    """Makes tills: a configuration, an enrolled identity, an open shift, the app."""

    def __init__(self, backend: Any, tmp_path: Path) -> None:
        self.backend = backend
        self.tmp_path = tmp_path
        self.count = 0

    def config(
        self,
        *,
        url: str | None = None,
        scanners: tuple[str, ...] = ("sim:",),
        pinpad: str = "",
        lang: str = "en",
    ) -> TerminalConfig:
        self.count += 1
        data_dir = self.tmp_path / f"till{self.count}"
        return terminal_config(
            url or self.backend.url, data_dir, scanners=scanners, pinpad=pinpad, lang=lang
        )

    async def enrol(self, config: TerminalConfig) -> None:
        creds = await enrol(self.backend.url, self.backend.operator.activation_code("pos"))
        CredentialStore(config.credentials_file, config.terminal.account).save(creds)

    def open_shift(self, config: TerminalConfig, cashier: str = "Test") -> None:
        journal = Journal(config.journal_path)
        try:
            journal.open_shift(cashier)
        finally:
            journal.close()

    async def app(
        self,
        config: TerminalConfig | None = None,
        *,
        pad: PadReader | None = None,
        enrolled: bool = True,
        shift: bool = True,
        profile: QueryProfile = FAST,
        device_events: Any = None,
        printer_poll_s: float = 0.2,
    ) -> PosApp:
        config = config or self.config()
        if enrolled:
            await self.enrol(config)
        if shift:
            self.open_shift(config)
        return PosApp(
            config,
            opener=lambda c: Terminal.open(c, profile=profile),
            pad=pad,
            pad_opener=open_till_pad,
            device_events=device_events,
            health_interval_s=0.5,
            printer_poll_s=printer_poll_s,
        )


@pytest.fixture
def tills(backend_sqlite: Any, tmp_path: Path) -> Tills:
    return Tills(backend_sqlite, tmp_path)


SHORT_CODE_TTL_S = 1.0


@pytest.fixture(scope="session")
def short_lived(backend_sqlite: Any) -> Iterator[Any]:
    """A second ``serve`` on the same database whose payment codes live one second."""
    live = backend_sqlite.sibling(backend_sqlite.server.data_dir, code_ttl_s=SHORT_CODE_TTL_S)
    yield live
    live.close()
