"""The serial PIN pad's commands: what the fields of each frame mean (PROTOCOL.md).

One letter per command. Terminal to pad: HELLO, PROMPT, MESSAGE, CANCEL.
Pad to terminal: IDENT, KEYS, ENVELOPE, CUSTOMER_CANCEL, FAULT. Each
entry-related answer carries the entry number of the PROMPT it answers, so a
late answer to an entry that is over is recognised and dropped.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization

from protocol.pin import PinEnvelope

from .base import PinRequest
from .entry import PinPolicy

__all__ = [
    "CANCEL",
    "CUSTOMER_CANCEL",
    "ENVELOPE",
    "FAULT",
    "HELLO",
    "IDENT",
    "KEYS",
    "MESSAGE",
    "PROMPT",
    "PROTOCOL_VERSION",
    "PromptCommand",
    "entry_of",
    "envelope_fields",
    "parse_envelope",
]

PROTOCOL_VERSION = "1"

HELLO = "H"  # T->P  version
IDENT = "I"  # P->T  version, model
PROMPT = "P"  # T->P  entry, amount_fen, amount_text, attempts_left, min, max, trade_ref, key
MESSAGE = "M"  # T->P  text
CANCEL = "C"  # T->P  (no fields)
KEYS = "K"  # P->T  entry, digits typed so far
ENVELOPE = "E"  # P->T  entry, key_id, wrapped_key, iv, ciphertext
CUSTOMER_CANCEL = "X"  # P->T  entry
FAULT = "F"  # P->T  entry (or empty), text


def _key_der_b64(public_key_pem: bytes) -> str:
    key = serialization.load_pem_public_key(public_key_pem)
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode("ascii")


def _key_pem(der_b64: str) -> bytes:
    key = serialization.load_der_public_key(base64.b64decode(der_b64, validate=True))
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@dataclass(frozen=True)
class PromptCommand:
    """A PROMPT as the pad reads it: everything it shows, and what it seals with."""

    entry: int
    request: PinRequest

    def fields(self) -> list[str]:
        r = self.request
        attempts = "" if r.attempts_left is None else str(r.attempts_left)
        return [
            str(self.entry),
            str(r.amount_fen),
            r.amount_text,
            attempts,
            str(r.policy.min_length),
            str(r.policy.max_length),
            r.trade_ref,
            _key_der_b64(r.public_key_pem),
        ]

    @classmethod
    def parse(cls, fields: list[str]) -> PromptCommand:
        """Raise ``ValueError`` with a plain reason for a PROMPT the pad cannot use."""
        if len(fields) != 8:
            raise ValueError(f"PROMPT has {len(fields)} fields, expected 8")
        entry, fen, _text, attempts, low, high, trade_ref, key = fields
        numbers = [entry, fen, low, high] + ([attempts] if attempts else [])
        if not all(n.isascii() and n.isdigit() for n in numbers):
            raise ValueError("PROMPT numbers must be digits")
        try:
            pem = _key_pem(key)
        except ValueError:
            raise ValueError("PROMPT key is not a public key") from None
        request = PinRequest(
            amount_fen=int(fen),
            trade_ref=trade_ref,
            public_key_pem=pem,
            attempts_left=int(attempts) if attempts else None,
            policy=PinPolicy(int(low), int(high)),
        )
        return cls(entry=int(entry), request=request)


def envelope_fields(entry: int, envelope: PinEnvelope) -> list[str]:
    return [str(entry), envelope.key_id, envelope.wrapped_key, envelope.iv, envelope.ciphertext]


def parse_envelope(fields: list[str]) -> tuple[int, PinEnvelope]:
    """The entry number and the envelope of an ENVELOPE frame; ``ValueError`` if malformed."""
    if len(fields) != 5 or not fields[0].isdigit():
        raise ValueError("ENVELOPE must be: entry, key_id, wrapped_key, iv, ciphertext")
    return int(fields[0]), PinEnvelope(*fields[1:])


def entry_of(fields: list[str]) -> int | None:
    """The entry number in the first field of KEYS, CUSTOMER_CANCEL and FAULT, if any."""
    return int(fields[0]) if fields and fields[0].isascii() and fields[0].isdigit() else None
