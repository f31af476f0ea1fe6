"""Driving the handheld under Textual's pilot: what is on screen, waiting for it, scanning.

The pilot's helpers shared with the till's tests are in :mod:`tests.apps`.
"""

from __future__ import annotations

from tests.apps import scan, screen_text, wait_for, wait_for_screen, wait_for_text

__all__ = ["flat", "scan", "screen_text", "wait_for", "wait_for_screen", "wait_for_text"]


def flat(text: str) -> str:
    """Screen text with its line breaks and padding folded to single spaces (wrapped sentences)."""
    return " ".join(text.split())
