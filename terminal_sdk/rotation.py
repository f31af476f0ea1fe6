"""Rotating the terminal's secret so that a crash at any step leaves a terminal that can talk.

The steps, each safe to stop after:

1. ``issued``: the backend makes a new secret, pending (asked with the old one).
2. ``stored``: this terminal keeps both, the new one as ``pending_secret``
   (the store writes atomically: keyring, or the fallback file replaced whole).
3. ``confirmed``: a request signed with the new secret; the backend makes it
   the secret, and from then on the old one is refused.
4. ``saved``: the new one alone is kept.

A crash after 1 leaves the old secret, still good (the backend drops the
pending one at the next rotation). A crash after 2 or 3 leaves both here:
:func:`finish_rotation` (run at start-up) confirms the pending one, which is
answered the same whether step 3 happened or not, and keeps it; if the
backend no longer knows it, the old one stands.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from protocol.errors import ErrorCode, RequestRejected

from .client import ScanPayClient
from .credentials import Credentials, CredentialStore

__all__ = ["finish_rotation", "rotate_secret"]


def _keep(client: ScanPayClient, store: CredentialStore, creds: Credentials) -> Credentials:
    store.save(creds)
    client.use(creds)
    return creds


async def rotate_secret(
    client: ScanPayClient,
    store: CredentialStore,
    on_step: Callable[[str], None] | None = None,
) -> Credentials:
    """Steps 1-4 above; ``on_step`` is told each step's name once it is done."""
    step = on_step or (lambda _name: None)
    creds = client.credentials
    new = await client.rotate_secret()
    step("issued")
    store.save(replace(creds, pending_secret=new))
    step("stored")
    await client.confirm_secret(new)
    step("confirmed")
    done = _keep(client, store, replace(creds, secret=new, pending_secret=""))
    step("saved")
    return done


async def finish_rotation(client: ScanPayClient, store: CredentialStore) -> Credentials:
    """Complete (or drop) a rotation a crash interrupted; a no-op when none is pending.

    Network trouble leaves both secrets kept, to try again at the next start.
    """
    creds = client.credentials
    if not creds.pending_secret:
        return creds
    try:
        await client.confirm_secret(creds.pending_secret)
    except RequestRejected as exc:
        if exc.code is not ErrorCode.BAD_SIGNATURE:
            raise
        return _keep(client, store, replace(creds, pending_secret=""))  # the old one stands
    return _keep(client, store, replace(creds, secret=creds.pending_secret, pending_secret=""))
