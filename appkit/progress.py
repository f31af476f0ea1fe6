"""A payment's progress as both apps show it, moved on by the SDK's session events.

A payment screen keeps the step the session is at, the PIN tries left and
the deadline of the wait it counts down; :func:`follow` moves them on with
each :class:`~terminal_sdk.session.SessionEvent`, the same way in both apps.
"""

from __future__ import annotations

from typing import Protocol

from terminal_sdk.session import EventKind, SessionEvent

__all__ = ["PaymentProgress", "follow"]


class PaymentProgress(Protocol):
    kind: EventKind
    attempts_left: int | None
    deadline: float | None  # when the wait shown ends, on the screen's clock


def follow(progress: PaymentProgress, event: SessionEvent, now: float) -> None:
    """Move ``progress`` on with ``event`` (a wrong or locked PIN is a note, not a step)."""
    if event.kind not in (EventKind.PIN_WRONG, EventKind.PIN_LOCKED):
        progress.kind = event.kind
    if event.attempts_left is not None:
        progress.attempts_left = event.attempts_left
    if event.seconds_left is not None:
        progress.deadline = now + event.seconds_left
    elif event.kind in (EventKind.SENDING, EventKind.CONFIRMING, EventKind.REVERSING):
        progress.deadline = None
