"""Where a terminal keeps the identity the backend gave it at enrolment.

The secret goes to the OS keyring (``keyring``). A headless till often has no
keyring backend; then the credentials go to a file readable only by its owner
(mode 0600) next to the terminal's configuration, and :attr:`CredentialStore.where`
says which was used so the person enrolling is told.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import keyring
import keyring.errors

from .i18n import N_, words

__all__ = ["CredentialStore", "Credentials", "CredentialsMissing"]

_SERVICE = "scanpay-terminal"


class CredentialsMissing(Exception):
    """This terminal is not enrolled yet (or its stored credentials cannot be used).

    ``str()`` is the English sentence; :meth:`message` says it in the app's language.
    """

    def __init__(self, message: str, **values: object) -> None:
        self.template = message
        self.values = values
        super().__init__(self.message("en"))

    def message(self, lang: str = "en") -> str:
        """The plain message in ``lang`` ("en" or "zh"; anything else is English)."""
        return words(lang).tr(self.template, **self.values)


@dataclass(frozen=True)
class Credentials:
    terminal_id: str
    secret: str
    merchant_id: str = ""
    store_id: str = ""
    kind: str = "pos"
    pin_key_id: str = ""
    pin_public_key: str = ""  # PEM of the backend's PIN key, learnt at enrolment
    pending_secret: str = ""  # a rotation's new secret, until the backend confirmed it

    def __repr__(self) -> str:
        return f"Credentials(terminal_id={self.terminal_id!r}, secret=<hidden>)"

    __str__ = __repr__


class CredentialStore:
    """Keyring first, owner-only file as the documented fallback.

    ``account`` names the entry, so one machine can hold several terminals
    (tests, a PDA emulator beside a POS).
    """

    def __init__(self, fallback_file: Path, account: str = "default") -> None:
        self.fallback_file = fallback_file
        self.account = account
        self.where = ""

    def save(self, creds: Credentials) -> str:
        """Store ``creds``; return a sentence saying where they went."""
        blob = json.dumps(asdict(creds))
        try:
            keyring.set_password(_SERVICE, self.account, blob)
        except keyring.errors.KeyringError:
            self._write_file(blob)
            self.where = (
                f"no OS keyring is available; credentials saved to {self.fallback_file} "
                "(readable only by this user)"
            )
        else:
            self.fallback_file.unlink(missing_ok=True)
            self.where = f"credentials saved in the OS keyring ({keyring.get_keyring().name})"
        return self.where

    def load(self) -> Credentials:
        blob: str | None = None
        try:
            blob = keyring.get_password(_SERVICE, self.account)
        except keyring.errors.KeyringError:
            blob = None
        if blob is not None:
            self.where = "OS keyring"
        elif self.fallback_file.exists():
            self._check_mode()
            blob = self.fallback_file.read_text(encoding="utf-8")
            self.where = str(self.fallback_file)
        else:
            raise CredentialsMissing(
                N_("This terminal is not enrolled. Run: {command}"),
                command="scanpay-terminal enrol --activation-code CODE",
            )
        try:
            return Credentials(**json.loads(blob))
        except (ValueError, TypeError) as exc:
            if self.where == "OS keyring":
                raise CredentialsMissing(
                    N_("The stored credentials in the OS keyring are damaged; enrol again.")
                ) from exc
            raise CredentialsMissing(
                N_("The stored credentials in {where} are damaged; enrol again."), where=self.where
            ) from exc

    def delete(self) -> None:
        with contextlib.suppress(keyring.errors.KeyringError):
            keyring.delete_password(_SERVICE, self.account)
        self.fallback_file.unlink(missing_ok=True)

    def _write_file(self, blob: str) -> None:
        self.fallback_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.fallback_file.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(blob)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.fallback_file)

    def _check_mode(self) -> None:
        mode = self.fallback_file.stat().st_mode & 0o777
        if mode & 0o077:
            raise CredentialsMissing(
                N_(
                    "{path} is readable by other users (mode {mode}); fix it with: chmod 600 {path}"
                ),
                path=self.fallback_file,
                mode=f"{mode:o}",
            )
