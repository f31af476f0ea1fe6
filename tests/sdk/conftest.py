from __future__ import annotations

from pathlib import Path

import pytest

from terminal_sdk.client import ScanPayClient
from terminal_sdk.credentials import Credentials
from terminal_sdk.journal import Journal

from .scripted_backend import SECRET, ScriptedBackend


@pytest.fixture
def backend() -> ScriptedBackend:
    return ScriptedBackend()


@pytest.fixture
def creds() -> Credentials:
    return Credentials(terminal_id="T-TEST", secret=SECRET, pin_public_key="PEM")


@pytest.fixture
async def client(backend: ScriptedBackend, creds: Credentials):
    async with ScanPayClient("http://backend.test", creds, transport=backend.transport()) as c:
        yield c


@pytest.fixture
def journal(tmp_path: Path):
    j = Journal(tmp_path / "journal.db")
    yield j
    j.close()
