"""The terminal's side of the fleet: heartbeats, and rotating the secret through crashes."""

from __future__ import annotations

import asyncio
import signal
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from protocol.errors import ErrorCode, RequestRejected
from terminal_sdk.client import enrol
from terminal_sdk.config import load_config
from terminal_sdk.credentials import CredentialStore
from terminal_sdk.heartbeat import HeartbeatLoop, safe_url
from terminal_sdk.terminal import Health, Terminal

REPO = Path(__file__).resolve().parents[2]

ROTATE_AND_CRASH = textwrap.dedent(
    """
    import asyncio, os, signal, sys
    from terminal_sdk.config import load_config
    from terminal_sdk.terminal import Terminal

    def step(name):
        if name == sys.argv[2]:
            os.kill(os.getpid(), signal.SIGKILL)  # the power goes, right after this step

    async def main():
        terminal = Terminal.open(load_config(sys.argv[1]))
        await terminal.rotate_secret(step)
        await terminal.close()

    asyncio.run(main())
    """
)


async def enrolled_config(backend, tmp_path: Path) -> Path:
    creds = await enrol(backend.url, backend.operator.activation_code("pos"))
    config_file = tmp_path / "terminal.toml"
    config_file.write_text(
        f'[backend]\nurl = "{backend.url}"\n[terminal]\ndata_dir = "{tmp_path / "data"}"\n'
    )
    config = load_config(config_file)
    CredentialStore(config.credentials_file, config.terminal.account).save(creds)
    return config_file


@pytest.mark.parametrize("crash_after", ["issued", "stored", "confirmed", "never"])
async def test_a_crash_at_any_step_of_a_rotation_leaves_a_terminal_that_can_talk(
    backend_sqlite, tmp_path, crash_after
):
    config_file = await enrolled_config(backend_sqlite, tmp_path)
    old = Terminal.open(load_config(config_file)).credentials.secret
    run = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        ROTATE_AND_CRASH,
        str(config_file),
        crash_after,
        cwd=REPO,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(run.communicate(), 60)
    expected = 0 if crash_after == "never" else -signal.SIGKILL
    assert run.returncode == expected, stderr

    async with Terminal.open(load_config(config_file)) as terminal:  # the till boots again
        await terminal.finish_rotation()
        await terminal.client.echo()
        kept = terminal.credentials
        assert kept.pending_secret == ""
        assert (kept.secret == old) is (crash_after in ("issued",))
    async with Terminal.open(load_config(config_file)) as again:  # what it kept is on disk
        assert again.credentials == kept
        await again.client.echo()
        if kept.secret != old:  # and the old secret is dead once the new one is confirmed
            again.client.use(replace(kept, secret=old))
            assert (await again.health()).health is Health.UNTRUSTED  # refused, signed anew


async def test_heartbeats_reach_store_it_and_a_switched_off_till_learns_it(
    backend_sqlite, tmp_path
):
    config_file = await enrolled_config(backend_sqlite, tmp_path)
    async with Terminal.open(load_config(config_file)) as terminal:
        report = {
            "app": "scanpay-pos",
            "version": "9.9",
            "devices": [{"kind": "scanner", "url": "sim:", "state": "OK"}],
            "in_doubt": len(terminal.in_doubt()),
            "clock_offset_s": terminal.client.clock_offset_s,
        }
        refused: list[ErrorCode] = []
        loop = HeartbeatLoop(
            terminal.client, lambda: report, on_refused=lambda exc: refused.append(exc.code)
        )
        answer = await loop.send_once()
        assert answer is not None and answer.interval_s == 30 and not answer.rotate_secret
        tid = terminal.credentials.terminal_id
        seen = backend_sqlite.operator.http.get(f"/terminals/{tid}").json()["data"]
        assert seen["version"] == "9.9" and seen["online"]

        backend_sqlite.operator.http.post(
            f"/terminals/{tid}/disable", json={"operator": "IT", "reason": "lost"}
        )
        assert await loop.send_once() is None and refused == [ErrorCode.TERMINAL_DISABLED]
        assert (await terminal.health()).health is Health.DISABLED
        with pytest.raises(RequestRejected) as refusal:
            await terminal.client.echo()
        assert "switched off by store IT" in refusal.value.message("en")
        assert "停用" in refusal.value.message("zh")


def test_urls_in_a_heartbeat_carry_no_secrets():
    assert safe_url("tcp://admin:hunter2@10.0.0.9:9100?token=abc&width=80") == (
        "tcp://10.0.0.9:9100?token=***&width=80"
    )
    assert safe_url("serial:///dev/ttyACM0?baud=9600") == "serial:///dev/ttyACM0?baud=9600"
