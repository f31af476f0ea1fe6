"""The PIN envelope: how a PIN travels from the PIN pad to the backend.

The PIN exists in clear only on the PIN pad's side (where it is sealed) and,
for the moment of the hash check, inside the backend (where it is opened).

PIN block: the plain-text PIN field of ISO 9564-1 **format 4**, 16 bytes:
nibble 0 is the control field ``4``, nibble 1 the PIN length (4-12), then
the PIN digits, fill ``A`` up to nibble 15, and 16 random nibbles. Format 4
is the format made for AES's 16-byte block; its random half means the same
PIN never gives the same block twice. Format 0 would need a card number to
XOR with (our customers have none) and repeats for a repeated PIN. Format 4
binds the PIN to an account by enciphering with the PAN; we bind it to the
*trade* instead, by authenticating the trade reference with AES-GCM.

Envelope: a fresh AES-256-GCM key encrypts ``PIN block || nonce || trade
reference`` with the trade reference also as associated data; the key is
wrapped with the backend's RSA public key (RSA-OAEP, SHA-256), the "RSA for
the key, AES for the payload" of seed 001. Opening checks the tag and that
the trade reference inside is the one expected, so an envelope replayed onto
another trade, tampered with, or opened with another key fails loudly.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = [
    "ClearPin",
    "OpenedPin",
    "PinEnvelope",
    "PinEnvelopeError",
    "generate_private_key",
    "key_id",
    "open_envelope",
    "pin_block",
    "private_key_pem",
    "public_key_pem",
    "seal_pin",
]

_OAEP = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
_NONCE_LEN = 16
_BLOCK_LEN = 16


class PinEnvelopeError(Exception):
    """An envelope that cannot be opened or does not belong here. Never holds the PIN."""


class ClearPin:
    """A PIN in clear, held as briefly as possible. Its repr and str never show the digits."""

    __slots__ = ("_digits",)

    def __init__(self, digits: str) -> None:
        if not (digits.isascii() and digits.isdigit() and 4 <= len(digits) <= 12):
            raise ValueError("a PIN is 4 to 12 digits")
        self._digits = digits

    def reveal(self) -> str:
        """The digits, for hashing; never log or store what this returns."""
        return self._digits

    def __len__(self) -> int:
        return len(self._digits)

    def __repr__(self) -> str:
        return "ClearPin(****)"

    __str__ = __repr__


@dataclass(frozen=True)
class PinEnvelope:
    """What travels: base64 fields only, safe to log (nothing in it reveals the PIN)."""

    key_id: str
    wrapped_key: str
    iv: str
    ciphertext: str

    def to_dict(self) -> dict[str, str]:
        return {
            "key_id": self.key_id,
            "wrapped_key": self.wrapped_key,
            "iv": self.iv,
            "ciphertext": self.ciphertext,
        }

    @classmethod
    def from_dict(cls, data: object) -> PinEnvelope:
        if not isinstance(data, dict):
            raise PinEnvelopeError("PIN envelope must be an object")
        try:
            fields = {k: data[k] for k in ("key_id", "wrapped_key", "iv", "ciphertext")}
        except KeyError as exc:
            raise PinEnvelopeError(f"PIN envelope lacks {exc.args[0]}") from None
        if not all(isinstance(v, str) for v in fields.values()):
            raise PinEnvelopeError("PIN envelope fields must be strings")
        return cls(**fields)


@dataclass(frozen=True)
class OpenedPin:
    """The result of opening: the PIN, and the envelope's nonce (to refuse a resend)."""

    pin: ClearPin
    nonce: str
    trade_ref: str


def pin_block(pin: ClearPin | str) -> bytes:
    """The 16-byte ISO 9564 format 4 plain-text PIN field for ``pin``."""
    digits = (pin if isinstance(pin, ClearPin) else ClearPin(pin)).reveal()
    nibbles = [4, len(digits), *(int(d) for d in digits)]
    nibbles += [0xA] * (16 - len(nibbles))
    nibbles += [secrets.randbelow(16) for _ in range(16)]
    return bytes((nibbles[i] << 4) | nibbles[i + 1] for i in range(0, 32, 2))


def _pin_from_block(block: bytes) -> ClearPin:
    nibbles = [n for byte in block for n in (byte >> 4, byte & 0xF)]
    if len(block) != _BLOCK_LEN or nibbles[0] != 4 or not 4 <= nibbles[1] <= 12:
        raise PinEnvelopeError("not an ISO 9564 format 4 PIN block")
    length = nibbles[1]
    digits, fill = nibbles[2 : 2 + length], nibbles[2 + length : 16]
    if any(d > 9 for d in digits) or any(f != 0xA for f in fill):
        raise PinEnvelopeError("malformed PIN block")
    return ClearPin("".join(str(d) for d in digits))


def generate_private_key(bits: int = 3072) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def private_key_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def public_key_pem(key: rsa.RSAPrivateKey | rsa.RSAPublicKey) -> bytes:
    public = key.public_key() if isinstance(key, rsa.RSAPrivateKey) else key
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def key_id(key: rsa.RSAPrivateKey | rsa.RSAPublicKey | bytes) -> str:
    """A short fingerprint (SHA-256 of the public key's DER, 16 hex chars)."""
    if isinstance(key, bytes):
        loaded = serialization.load_pem_public_key(key)
        if not isinstance(loaded, rsa.RSAPublicKey):
            raise PinEnvelopeError("the PIN key must be an RSA key")
        key = loaded
    public = key.public_key() if isinstance(key, rsa.RSAPrivateKey) else key
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()[:16]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        raise PinEnvelopeError(f"PIN envelope {what} is not base64") from None


def seal_pin(
    pin: ClearPin | str, trade_ref: str, public_key: bytes | rsa.RSAPublicKey
) -> PinEnvelope:
    """Seal ``pin`` for the trade ``trade_ref`` with the backend's public key (PEM or object)."""
    if isinstance(public_key, bytes):
        loaded = serialization.load_pem_public_key(public_key)
        if not isinstance(loaded, rsa.RSAPublicKey):
            raise PinEnvelopeError("the PIN key must be an RSA key")
        public_key = loaded
    if not trade_ref:
        raise ValueError("trade_ref must not be empty")
    ref = trade_ref.encode("utf-8")
    aes_key = AESGCM.generate_key(bit_length=256)
    iv = secrets.token_bytes(12)
    plaintext = pin_block(pin) + secrets.token_bytes(_NONCE_LEN) + ref
    ciphertext = AESGCM(aes_key).encrypt(iv, plaintext, ref)
    return PinEnvelope(
        key_id=key_id(public_key),
        wrapped_key=_b64(public_key.encrypt(aes_key, _OAEP)),
        iv=_b64(iv),
        ciphertext=_b64(ciphertext),
    )


def open_envelope(
    envelope: PinEnvelope, trade_ref: str, private_key: rsa.RSAPrivateKey
) -> OpenedPin:
    """Open ``envelope`` for ``trade_ref``; raise :class:`PinEnvelopeError` if anything is off."""
    if envelope.key_id != key_id(private_key):
        raise PinEnvelopeError("PIN envelope was sealed for another key")
    ref = trade_ref.encode("utf-8")
    try:
        aes_key = private_key.decrypt(_unb64(envelope.wrapped_key, "key"), _OAEP)
    except ValueError:
        raise PinEnvelopeError("PIN envelope key cannot be unwrapped") from None
    iv = _unb64(envelope.iv, "iv")
    if len(aes_key) != 32 or len(iv) != 12:
        raise PinEnvelopeError("PIN envelope has the wrong key or iv size")
    try:
        plaintext = AESGCM(aes_key).decrypt(iv, _unb64(envelope.ciphertext, "ciphertext"), ref)
    except InvalidTag:
        raise PinEnvelopeError("PIN envelope was tampered with or is for another trade") from None
    block, nonce, inner_ref = (
        plaintext[:_BLOCK_LEN],
        plaintext[_BLOCK_LEN : _BLOCK_LEN + _NONCE_LEN],
        plaintext[_BLOCK_LEN + _NONCE_LEN :],
    )
    if inner_ref != ref:
        raise PinEnvelopeError("PIN envelope is for another trade")
    return OpenedPin(pin=_pin_from_block(block), nonce=nonce.hex(), trade_ref=trade_ref)
