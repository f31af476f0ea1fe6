"""Canonical request signing, the form Chinese payment APIs have used for years.

1. Take every parameter except ``sign`` whose value is not empty
   (``None``, ``""``, ``[]`` and ``{}`` are empty; ``0`` and ``False`` are not).
2. Sort them by name in ASCII (byte) order.
3. Write each as ``name=value`` and join them with ``&``.
4. Append ``&key=KEY``.
5. HMAC-SHA256 keyed with KEY (or plain MD5 of the string for channels that
   still use it) and write the digest as uppercase hex.

How a value is written:

=================  =====================================================
``str``            as is, but ``%`` written ``%25`` and ``&`` written ``%26``
``int``            decimal digits, e.g. ``1200``
``bool``           ``true`` / ``false``
``list``/``dict``  compact JSON, keys sorted, no spaces, UTF-8 kept as is,
                   e.g. ``{"a":1,"b":[true,"x"]}``
``float``          refused (``TypeError``): no floats travel in this protocol
=================  =====================================================

Extension fields, ones this side does not know, are signed like any other.

The string is unambiguous: no two different sets of fields give the same one.
Names may only be letters, digits, ``_``, ``-`` and ``.`` (:func:`bad_name`
finds one that is not; :func:`canonical_string` refuses it), so a name never
holds ``=`` or ``&``; in values ``&`` (and ``%``, to keep the escape itself
unambiguous) are escaped, so a value such as ``gift&ext_x=1`` cannot pose as
two fields. WeChat Pay's published examples have neither character and sign
exactly as before. Empty values are outside the string by design (seed 001's
rule), so the receiver drops them before it reads the request: a field
added empty changes nothing. Types are written as text (``1`` and ``"1"``
alike); each side's models are strict about types, so that cannot be abused.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping

__all__ = ["SIGN_TYPES", "bad_name", "canonical_string", "drop_empty", "sign", "verify"]

SIGN_TYPES = ("HMAC-SHA256", "MD5")
_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")


def bad_name(params: Mapping[str, object]) -> str | None:
    """The first field name that may not be signed (only letters, digits, ``_ - .``), or None."""
    for name in params:
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            return str(name)
    return None


def drop_empty(params: Mapping[str, object]) -> dict[str, object]:
    """``params`` without the fields the signature leaves out (what a receiver reads)."""
    return {k: v for k, v in params.items() if _written(v) is not None or k == "sign"}


def _escaped(text: str) -> str:
    return text.replace("%", "%25").replace("&", "%26")


_SCALARS = (str, int, type(None))  # what almost every value is (bool is an int)


def _check_no_floats(value: object) -> None:
    if isinstance(value, _SCALARS):
        return
    if isinstance(value, float):
        raise TypeError("floats are not allowed in signed parameters; use integers")
    if isinstance(value, dict | Mapping):  # a plain dict is found without the ABC's check
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError("nested keys must be strings")
            _check_no_floats(v)
    elif isinstance(value, list | tuple):
        for v in value:
            _check_no_floats(v)


def _written(value: object) -> str | None:
    """How ``value`` appears in the string to sign, or ``None`` when it is left out.

    Strings, ``None`` and integers first: they are nearly every value, and
    none of them equals an empty container.
    """
    if isinstance(value, str):
        return _escaped(value) if value else None
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if value == [] or value == {} or value == ():
        return None
    if isinstance(value, dict | Mapping | list | tuple):
        _check_no_floats(value)
        return _escaped(
            json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        )
    if isinstance(value, float):
        raise TypeError("floats are not allowed in signed parameters; use integers")
    raise TypeError(f"cannot sign a value of type {type(value).__name__}")


def canonical_string(params: Mapping[str, object], key: str) -> str:
    """The exact string that is hashed, ``k1=v1&k2=v2&key=KEY``."""
    bad = bad_name(params)
    if bad is not None:
        raise ValueError(f"{bad!r}: a field name may only be letters, digits, _ - and .")
    parts = []
    for name in sorted(params):  # names are ASCII (bad_name): their order is the bytes' order
        if name == "sign":
            continue
        written = _written(params[name])
        if written is not None:
            parts.append(f"{name}={written}")
    parts.append(f"key={key}")
    return "&".join(parts)


def sign(params: Mapping[str, object], key: str, sign_type: str = "HMAC-SHA256") -> str:
    """The signature of ``params`` with ``key``, uppercase hex."""
    data = canonical_string(params, key).encode("utf-8")
    if sign_type == "HMAC-SHA256":
        # hmac.digest: one call into OpenSSL (hmac.new builds an HMAC object in Python)
        return hmac.digest(key.encode("utf-8"), data, "sha256").hex().upper()
    if sign_type == "MD5":
        return hashlib.md5(data, usedforsecurity=False).hexdigest().upper()
    raise ValueError(f"unknown sign_type {sign_type!r}; use one of {', '.join(SIGN_TYPES)}")


def verify(
    params: Mapping[str, object],
    key: str,
    sign_type: str = "HMAC-SHA256",
    *,
    signature: str | None = None,
) -> bool:
    """True if ``signature`` (default: ``params["sign"]``) is right, compared in constant time.

    A missing signature, a value that cannot be signed, or an unknown
    ``sign_type`` all answer ``False``; nothing here raises on bad input.
    """
    given = params.get("sign") if signature is None else signature
    if not isinstance(given, str) or not given:
        return False
    try:
        expected = sign(params, key, sign_type)
    except (TypeError, ValueError):
        return False
    return hmac.compare_digest(expected.encode("ascii"), given.upper().encode("utf-8"))
