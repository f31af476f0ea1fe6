"""Another version of a wheel: the same code (or some files changed) under a new version number.

A real upgrade installs a wheel ``make dist`` built from newer code; the
tests make one from the wheel they built, renamed (file name, ``.dist-info``
directory, ``METADATA``) with its ``RECORD`` written again, so pip takes it
as the version it says it is.
"""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path

__all__ = ["rewrap"]


def rewrap(
    wheel: Path, version: str, into: Path, *, replace: dict[str, bytes] | None = None
) -> Path:
    """``wheel`` as ``version``, with the files in ``replace`` (path in the wheel -> content)."""
    old = wheel.name.split("-")[1]
    out = into / wheel.name.replace(f"-{old}-", f"-{version}-")
    changes = replace or {}
    record_name = f"scanpay-{version}.dist-info/RECORD"
    lines = []
    with zipfile.ZipFile(wheel) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as made:
        for info in source.infolist():
            name = info.filename.replace(
                f"scanpay-{old}.dist-info/", f"scanpay-{version}.dist-info/"
            )
            if name == record_name:
                continue
            data = changes.get(name, source.read(info))
            if name.endswith(".dist-info/METADATA"):
                data = data.replace(
                    f"\nVersion: {old}\n".encode(), f"\nVersion: {version}\n".encode()
                )
            made.writestr(name, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            lines.append(f"{name},sha256={digest},{len(data)}")
        made.writestr(record_name, "\n".join([*lines, f"{record_name},,"]) + "\n")
    return out
