"""Fixtures: a scripted backend for the session's logic; the real one for its behaviour."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from terminal_sdk.client import ScanPayClient, enrol
from terminal_sdk.config import TerminalConfig
from terminal_sdk.credentials import Credentials
from terminal_sdk.journal import Journal
from terminal_sdk.profiles import QueryProfile
from terminal_sdk.terminal import Terminal

from .faults import FaultyTransport, Plan
from .scripted_backend import SECRET, ScriptedBackend


@pytest.fixture
def scripted() -> ScriptedBackend:
    return ScriptedBackend()


@pytest.fixture
def creds() -> Credentials:
    return Credentials(terminal_id="T-TEST", secret=SECRET, pin_public_key="PEM")


@pytest.fixture
async def client(scripted: ScriptedBackend, creds: Credentials):
    async with ScanPayClient("http://backend.test", creds, transport=scripted.transport()) as c:
        yield c


@pytest.fixture
def journal(tmp_path: Path):
    j = Journal(tmp_path / "journal.db")
    yield j
    j.close()


# -- against the real backend -------------------------------------------------------------

# Our wallets' real timings, shortened: tests wait for queries and reversals.
QUICK = QueryProfile(
    first_query_s=0.05,
    intervals_s=(0.1, 0.2),
    deadline_s=3.0,
    reverse_intervals_s=(0.0, 0.1, 0.2),
    reverse_deadline_s=3.0,
    pin_margin_s=1.0,
)


def terminal_config(url: str, data_dir: Path) -> TerminalConfig:
    config = TerminalConfig.model_validate(
        {"backend": {"url": url, "request_timeout_s": 5}, "terminal": {"data_dir": str(data_dir)}}
    )
    return config


@pytest.fixture
async def make_terminal(backend_sqlite, tmp_path) -> AsyncIterator[Callable[..., Terminal]]:
    """Enrol a terminal on the real backend; ``make_terminal(plan)`` opens it (faults optional)."""
    creds = await enrol(backend_sqlite.url, backend_sqlite.operator.activation_code("pos"))
    opened: list[Terminal] = []

    def make(
        plan: Plan | None = None,
        *,
        url: str | None = None,
        data_dir: Path | None = None,
        profile: QueryProfile = QUICK,
    ) -> Terminal:
        config = terminal_config(url or backend_sqlite.url, data_dir or tmp_path / "terminal")
        transport = FaultyTransport(plan) if plan is not None else None
        terminal = Terminal(config, creds, transport=transport, profile=profile)
        opened.append(terminal)
        return terminal

    yield make
    for terminal in opened:
        await terminal.close()
