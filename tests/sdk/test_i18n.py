"""The SDK's words in Chinese: the shift reports and the credential problems a person reads."""

from __future__ import annotations

import os
import sqlite3

import keyring.backends.fail
import keyring.core
import pytest

from terminal_sdk.credentials import Credentials, CredentialsMissing, CredentialStore
from terminal_sdk.journal import Journal
from terminal_sdk.shift import close_shift, shift_report
from tests.catalogs import catalog_problems


def test_every_message_of_the_sdk_is_translated_to_chinese_with_the_same_fields():
    problems = catalog_problems("terminal_sdk/locale/zh/LC_MESSAGES/sdk.po", "terminal_sdk")
    assert problems == [], "run `make sdk-catalog`, then translate:\n" + "\n".join(problems)


def cells(line: str) -> int:
    """Terminal cells: a Chinese character takes two."""
    return sum(2 if "\u4e00" <= c <= "\u9fff" else 1 for c in line)


def test_x_and_z_reports_read_in_chinese_with_the_amounts_in_their_column(tmp_path):
    j = Journal(tmp_path / "j.db")
    j.open_shift("Mei")
    j.add_tender_line("order-1", "cash", 2000)
    j.add_tender_line("order-2", "bank_card", 1250)
    x = shift_report(j).as_text(lang="zh")
    assert "X 报表" in x and "收银员 Mei" in x and "现金" in x and "银行卡" in x
    assert "REPORT" not in x and "expected" not in x
    z = close_shift(j, {"cash": 1950}, lang="zh")
    text = z.as_text(lang="zh")
    rows = [line for line in text.splitlines() if "CNY" in line]
    assert rows and {cells(line) for line in rows} == {40}  # the amounts end in one column
    assert any(line.startswith("  差额") and line.endswith("-CNY 0.50") for line in rows)
    assert any(line.startswith("应收合计") and line.endswith("CNY 32.50") for line in rows)
    # the journal keeps the Z report as it was printed, in Chinese
    with sqlite3.connect(tmp_path / "j.db") as db:
        assert db.execute("SELECT report FROM shifts").fetchone()[0] == text
    assert "Z REPORT" in z.as_text() and "BANK CARD" in z.as_text()  # English still there


def test_credentials_that_cannot_be_used_are_explained_in_chinese(tmp_path, monkeypatch):
    monkeypatch.setattr(keyring.core, "_keyring_backend", keyring.backends.fail.Keyring())
    path = tmp_path / "creds.json"
    CredentialStore(path).save(Credentials("T1", "s3cret"))
    os.chmod(path, 0o644)
    with pytest.raises(CredentialsMissing) as caught:
        CredentialStore(path).load()
    assert "is readable by other users (mode 644)" in str(caught.value)
    assert caught.value.message("zh") == (
        f"{path} 可被其他用户读取（权限 644），请用此命令修正：chmod 600 {path}"
    )
    os.chmod(path, 0o600)
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(CredentialsMissing) as caught:
        CredentialStore(path).load()
    assert caught.value.message("zh") == f"{path} 中保存的凭据已损坏，请重新注册。"
    assert caught.value.message("en") == str(caught.value)
