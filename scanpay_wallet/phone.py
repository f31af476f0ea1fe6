"""The simulated phone: a member's session and the codes it shows, kept between runs.

A real phone keeps its wallet session and shows the code it was given; so
does this one, in a small JSON file per backend and member (mode 0600, in a
0700 directory), under a file lock. That makes every process on the machine
the same phone: ``scanpay-wallet --watch`` in one terminal and the POS demo's
:func:`current_code` in another show and scan the same code, and a refresh in
one (the old code dies) is what the other sees next.

A saved code is shown again while it has at least ``min_left_s`` to live and
no trade has used it (the member's newest records say); otherwise a new one
is issued. A session the backend no longer knows is replaced by signing in
again, with the SMS code read from the operator outbox (``admin_token``),
given (``sms_code``), or typed (``prompt``).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from protocol.errors import ErrorCode
from protocol.paycode import mask

from .client import DEFAULT_BACKEND, IssuedCode, MemberApi, WalletError, outbox_code

__all__ = ["DEMO_MEMBER", "WalletPhone", "current_code", "default_state_dir"]

DEMO_MEMBER = "M10001"
_SESSION_MARGIN_S = 30.0  # sign in again rather than use a session this close to its end
T = TypeVar("T")


def default_state_dir() -> Path:
    """``$SCANPAY_WALLET_STATE``, else ``$XDG_STATE_HOME/scanpay-wallet`` (~/.local/state)."""
    given = os.environ.get("SCANPAY_WALLET_STATE")
    if given:
        return Path(given).expanduser()
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "scanpay-wallet"


def _file_name(backend_url: str, member_no: str) -> str:
    where = re.sub(r"[^A-Za-z0-9]+", "_", backend_url.split("://", 1)[-1]).strip("_")
    return f"{where}-{member_no}.json"


class WalletPhone:
    """One member's phone on one backend. Use as a context manager, or call :meth:`close`."""

    def __init__(
        self,
        backend_url: str = DEFAULT_BACKEND,
        member_no: str = DEMO_MEMBER,
        *,
        state_dir: Path | str | None = None,
        admin_token: str | None = None,
        sms_code: str | None = None,
        prompt: Callable[[str], str] | None = None,
        lang: str = "en",
    ) -> None:
        self.backend_url = backend_url.rstrip("/")
        self.member_no = member_no
        self.admin_token = admin_token
        self.sms_code = sms_code
        self.prompt = prompt
        self.lang = lang
        directory = Path(state_dir) if state_dir is not None else default_state_dir()
        self.path = directory / _file_name(self.backend_url, member_no)
        self.api = MemberApi(self.backend_url, lang=lang)

    def __enter__(self) -> WalletPhone:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.api.close()

    # ---- the saved state, under the lock --------------------------------------------------

    @contextlib.contextmanager
    def _state(self) -> Iterator[dict[str, Any]]:
        """The saved state, locked against other processes, and written back."""
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            state = self._read()
            try:
                yield state
            finally:  # what succeeded (a sign-in before a refusal) is kept
                self._write(state)
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _read(self) -> dict[str, Any]:
        try:
            state = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {"codes": {}}
        return state if isinstance(state, dict) else {"codes": {}}

    def _write(self, state: dict[str, Any]) -> None:
        temporary = self.path.with_suffix(".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(state, out)
        os.replace(temporary, self.path)

    # ---- the session ----------------------------------------------------------------------

    def _sign_in(self, state: dict[str, Any]) -> None:
        if self.sms_code:
            code, self.sms_code = self.sms_code, None  # one use only
        elif self.admin_token:
            self.api.send_sms(self.member_no)
            code = outbox_code(self.backend_url, self.admin_token, self.member_no, lang=self.lang)
        elif self.prompt is not None:
            self.api.send_sms(self.member_no)
            code = self.prompt(self.member_no).strip()
        else:
            raise WalletError(
                ErrorCode.NOT_AUTHORISED,
                f"member {self.member_no} is not signed in on this machine: give the SMS code "
                "(send one with --send-sms) or the operator token to read it from the outbox",
            )
        expires = self.api.login(self.member_no, code)
        state.update(token=self.api.token, session_expires_at=expires, codes={})

    def _with_session(self, state: dict[str, Any], work: Callable[[], T]) -> T:
        """Run ``work`` signed in; a session the backend refuses is replaced once."""
        token = state.get("token")
        if not token or float(state.get("session_expires_at", 0)) - time.time() < _SESSION_MARGIN_S:
            self._sign_in(state)
        else:
            self.api.token = str(token)
        try:
            return work()
        except WalletError as error:
            if error.code != ErrorCode.NOT_AUTHORISED:
                raise
            self._sign_in(state)
            return work()

    def sign_in(self) -> None:
        """Make sure a live session is saved (signs in if needed)."""
        with self._state() as state:
            self._with_session(state, lambda: None)

    def sign_out(self) -> bool:
        """End the saved session on the backend (its codes die) and forget it."""
        with self._state() as state:
            token = state.pop("token", None)
            state["codes"] = {}
            if not token:
                return False
            self.api.token = str(token)
            with contextlib.suppress(WalletError):
                self.api.logout()
            return True

    # ---- what the phone shows -------------------------------------------------------------

    def current_code(
        self,
        wallet: str = "points",
        *,
        min_left_s: float = 10.0,
        refresh: bool = False,
        check_used: bool = True,
    ) -> IssuedCode:
        """The code on screen: the saved one if it lives ``min_left_s`` more and is unused."""
        with self._state() as state:

            def work() -> IssuedCode:
                saved = _saved_code(state, wallet)
                fresh = saved is not None and saved.expires_at - time.time() >= min_left_s
                reusable = saved is not None and fresh and not refresh
                if saved is not None and reusable and not (check_used and self._was_used(saved)):
                    return saved
                issued = self.api.issue_code(wallet)
                state.setdefault("codes", {})[wallet] = {
                    "code": issued.code,
                    "ttl_s": issued.ttl_s,
                    "issued_at": issued.issued_at,
                }
                return issued

            return self._with_session(state, work)

    def _was_used(self, issued: IssuedCode) -> bool:
        masked = mask(issued.code)
        return any(trade.get("code_masked") == masked for trade in self.api.records(limit=5))

    def account(self) -> dict[str, Any]:
        with self._state() as state:
            return self._with_session(state, self.api.account)

    def newest_trade(self) -> dict[str, Any] | None:
        with self._state() as state:
            items = self._with_session(state, lambda: self.api.records(limit=1))
        return items[0] if items else None


def _saved_code(state: dict[str, Any], wallet: str) -> IssuedCode | None:
    saved = state.get("codes", {}).get(wallet)
    if not isinstance(saved, dict):
        return None
    try:
        return IssuedCode(
            str(saved["code"]), wallet, float(saved["ttl_s"]), float(saved["issued_at"])
        )
    except (KeyError, TypeError, ValueError):
        return None


def current_code(
    backend_url: str = DEFAULT_BACKEND,
    member_no: str = DEMO_MEMBER,
    *,
    wallet: str = "points",
    admin_token: str | None = None,
    sms_code: str | None = None,
    state_dir: Path | str | None = None,
    min_left_s: float = 10.0,
) -> str:
    """The member's current payment code, as their phone shows it now (issued if needed).

    What a demo "scans": the code ``scanpay-wallet --watch`` shows for the same
    member on this machine, or a fresh one. Signs in through the operator
    outbox when ``admin_token`` is given and no session is saved.
    """
    with WalletPhone(
        backend_url, member_no, state_dir=state_dir, admin_token=admin_token, sms_code=sms_code
    ) as phone:
        return phone.current_code(wallet, min_left_s=min_left_s).code
