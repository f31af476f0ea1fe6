"""``scanpay-backend backup DEST``: an online copy of the SQLite file, restored and checked.

The copy is taken while the server runs and a terminal keeps paying; the
restored copy opens as a database of its own, ``verify`` agrees with it, and
every trade committed before the backup started is in it.
"""

from __future__ import annotations

import shutil
import sqlite3
import threading

from tests.harness import BackendServer


def test_an_online_backup_restores_to_a_consistent_database(backend_sqlite, tmp_path):
    live = backend_sqlite
    terminal = live.terminal()
    member = live.member(points=1_000_000, pin=None)
    before = [terminal.pay(member.code(), 100)["trade_no"] for _ in range(5)]
    stop = threading.Event()

    def keep_paying() -> None:
        while not stop.is_set():
            terminal.pay(member.code(), 100)

    payer = threading.Thread(target=keep_paying)
    payer.start()
    try:
        done = live.server.run_cli("backup", str(tmp_path / "copy.db"))
    finally:
        stop.set()
        payer.join()
    assert "backed up" in done.stdout and (tmp_path / "copy.db").exists()
    assert not (tmp_path / "copy.db.partial").exists()

    restored = tmp_path / "restored"
    restored.mkdir()
    shutil.copy(tmp_path / "copy.db", restored / "scanpay.db")
    db = sqlite3.connect(restored / "scanpay.db")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    found = {row[0] for row in db.execute("SELECT trade_no FROM trades")}
    db.close()
    assert set(before) <= found
    server = BackendServer(restored)
    verified = server.run_cli("verify")
    assert verified.returncode == 0 and "all balances agree" in verified.stdout


def test_backup_refuses_its_own_file_and_points_postgresql_to_pg_dump(backend, tmp_path):
    if backend.kind == "sqlite":
        own = backend.server.data_dir / "scanpay.db"
        refused = backend.server.run_cli("backup", str(own), check=False)
        assert refused.returncode == 1 and "another file" in refused.stderr
    else:
        refused = backend.server.run_cli("backup", str(tmp_path / "x.db"), check=False)
        assert refused.returncode == 2 and "pg_dump" in refused.stderr
