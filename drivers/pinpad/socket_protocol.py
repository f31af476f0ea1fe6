"""The virtual pad's messages: JSON objects, one per line, over a Unix domain socket (PROTOCOL.md).

Both ends use this module: the terminal's
:class:`~drivers.pinpad.socket_pad.SocketPinPad` and the pad app
``scanpay-pinpad``. Every message has a ``type``; unknown types and unknown
fields are ignored, so either end can grow without breaking the other.
"""

from __future__ import annotations

import json
from typing import Any

from protocol.pin import PinEnvelope, PinEnvelopeError

from .base import PinRequest
from .entry import PinPolicy

__all__ = [
    "MAX_LINE",
    "VERSION",
    "decode",
    "encode",
    "envelope_message",
    "parse_envelope",
    "parse_prompt",
    "prompt_message",
]

VERSION = 1
MAX_LINE = 64 * 1024


def encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


def decode(line: bytes) -> dict[str, Any]:
    """One message; ``ValueError`` for a line that is not a JSON object with a string type."""
    try:
        message = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValueError("not a JSON line") from None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise ValueError("a message is a JSON object with a string 'type'")
    return message


def prompt_message(entry: int, request: PinRequest) -> dict[str, Any]:
    return {
        "type": "prompt",
        "entry": entry,
        "amount_fen": request.amount_fen,
        "amount": request.amount_text,
        "attempts_left": request.attempts_left,
        "min_length": request.policy.min_length,
        "max_length": request.policy.max_length,
        "trade_ref": request.trade_ref,
        "public_key": request.public_key_pem.decode("ascii"),
    }


def parse_prompt(message: dict[str, Any]) -> tuple[int, PinRequest]:
    """The entry number and the request of a ``prompt``; ``ValueError`` with the reason."""
    try:
        entry = message["entry"]
        fen = message["amount_fen"]
        attempts = message.get("attempts_left")
        low, high = message.get("min_length", 4), message.get("max_length", 12)
        ref, key = message["trade_ref"], message["public_key"]
    except KeyError as exc:
        raise ValueError(f"prompt lacks {exc.args[0]}") from None
    numbers = [entry, fen, low, high] + ([] if attempts is None else [attempts])
    if not all(type(n) is int for n in numbers):
        raise ValueError("prompt numbers must be integers")
    if not isinstance(ref, str) or not isinstance(key, str):
        raise ValueError("prompt trade_ref and public_key must be strings")
    request = PinRequest(
        amount_fen=fen,
        trade_ref=ref,
        public_key_pem=key.encode("ascii", errors="replace"),
        attempts_left=attempts,
        policy=PinPolicy(low, high),
    )
    return entry, request


def envelope_message(entry: int, envelope: PinEnvelope) -> dict[str, Any]:
    return {"type": "envelope", "entry": entry, "envelope": envelope.to_dict()}


def parse_envelope(message: dict[str, Any]) -> PinEnvelope:
    try:
        return PinEnvelope.from_dict(message.get("envelope"))
    except PinEnvelopeError as exc:
        raise ValueError(str(exc)) from None
